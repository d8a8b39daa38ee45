"""The Explorer tab: build a batch and watch torch pad, mask and pack it."""

from padviz.gui.explorer.panel import ExplorerPanel

__all__ = ["ExplorerPanel"]
