"""Worker processes for the app: training and benchmarking off the GUI process.

Qt-free (a test enforces it) and torch-free on the parent side: the GUI imports the handles
here; torch is imported only inside the spawned worker. Every message is a frozen dataclass of
plain values and numpy arrays (padviz.runner.messages), so the parent never unpickles a torch
object.
"""
