"""The numerics of padviz: batches, layouts, tasks, models, losses and training.

Pure torch + numpy. Nothing in this package may import Qt or pyqtgraph (tests enforce it).
"""
