"""The Bench tab: what padding costs on this device, measured in a worker process."""

from padviz.gui.bench.panel import BenchPanel

__all__ = ["BenchPanel"]
