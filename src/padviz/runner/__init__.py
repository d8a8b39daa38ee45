"""Worker processes for the app: training and benchmarking off the GUI process.

Qt-free (a test enforces it) and torch-free on the parent side: the GUI imports the handles
here; torch is imported only inside the spawned worker. Messages are tuples `(kind, ...)` of
plain Python values and numpy arrays, so the parent never unpickles a torch object.
"""
