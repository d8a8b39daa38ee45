"""The one base of every error the core raises on bad input.

`PadvizError` means "the user's input was refused": the CLI prints its message as one line
(exit 2) and the GUI shows it in the window. Any other exception is a bug and stays loud: the CLI
prints its traceback (exit 1), the GUI shows it in a dialog and logs it (padviz.gui.crash_report).

The core's bad-input errors all subclass it: BatchError, LayoutError, LessonError, SessionError,
CurvesError, TaskError, ModeError, ConfigError, DeviceError, BenchError, and NonFiniteLossError
(the settings made the loss diverge). A file the user named that cannot be read or written is
bad input too: the error names the path.

`padviz.core.training.DeviceOutOfMemoryError` is deliberately NOT a PadvizError: it is a
MemoryError, a limit of the device at that moment rather than a refused input, and not a bug
either. Code that runs training handles it by name (`padviz train`: one line, exit 1; the
training worker: the run stops with a message naming the step); anywhere else it stays loud.
"""

from __future__ import annotations


class PadvizError(ValueError):
    """Bad input; the message names the field or flag, the value and the limit."""
