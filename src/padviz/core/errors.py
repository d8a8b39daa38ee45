"""The one base of every error the core raises on bad input.

`PadvizError` means "the user's input was refused": the CLI prints its message as one line
(exit 2) and the GUI shows it in the window. Any other exception is a bug and stays loud.
"""

from __future__ import annotations


class PadvizError(ValueError):
    """Bad input; the message names the field or flag, the value and the limit."""
