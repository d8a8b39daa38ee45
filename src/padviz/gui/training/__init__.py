"""The Training tab: live LSTM training in a worker process, loss plots, the hidden-state view."""

from padviz.gui.training.panel import TrainingPanel

__all__ = ["TrainingPanel"]
