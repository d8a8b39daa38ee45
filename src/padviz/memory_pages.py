"""The app's process keeps numpy's arrays on small memory pages (asked before numpy loads).

NumPy asks Linux for transparent huge pages (`madvise`) for every array of 4 MB and more.
Where the kernel's huge-page defrag policy is `madvise`, a common default, the first touch of
such an array can compact memory on the spot: tens of milliseconds, sometimes inside a numpy
call that holds the GIL. Building a 1024 x 4096 document on a thread then stalled the GUI
thread for 37-47 ms at a time; with small pages, 6 ms. The explorer's arrays live for one edit,
so huge pages buy it nothing. NumPy reads NUMPY_MADVISE_HUGEPAGE once, when it is imported:
`padviz.cli.main` sets it before anything imports numpy when the arguments open the app.
"""

from __future__ import annotations

import os

HUGEPAGE_ENV = "NUMPY_MADVISE_HUGEPAGE"


def small_pages_for_numpy() -> None:
    """Ask numpy, not yet imported, for small pages, unless the user chose otherwise."""
    os.environ.setdefault(HUGEPAGE_ENV, "0")
