"""padviz: see, teach and measure padding, masking and packing for RNN training in PyTorch."""

__version__ = "0.1.0"
