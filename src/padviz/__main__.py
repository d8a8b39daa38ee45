"""`python -m padviz` is the same as the `padviz` command."""

import sys

from padviz.cli import main

sys.exit(main())
