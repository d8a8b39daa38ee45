"""What lecture mode needs of the main window and of its tabs, declared as Protocols, so the
lecture depends on these few members and not on MainWindow itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QMenu, QTabWidget, QWidget

    from padviz.core.lessons import TrainingSpec
    from padviz.gui.explorer import ExplorerPanel
    from padviz.gui.remembered import Remembered
    from padviz.gui.state import AppState


@runtime_checkable
class Presentable(Protocol):
    """A tab that takes part in presentation mode (it hides its editing controls)."""

    def set_presentation(self, on: bool) -> None: ...


class LessonTraining(Protocol):
    """The Training tab, as a lesson step sets it up and its caption quotes its runs."""

    resultsChanged: SignalInstance  # (bool: more coming) run_results() may have changed

    def apply_lesson(self, spec: TrainingSpec) -> None: ...

    def show_secondary(self, names: Sequence[str]) -> None:
        """The widgets a step calls out: in presentation secondary ones show only then."""
        ...

    def run_results(self) -> dict[str, dict[str, float]]:
        """mode -> latest values (padviz.core.captions.TRAINING_METRICS) of the runs shown."""
        ...


class LessonMistakes(Protocol):
    """The Mistakes tab, as a lesson step picks an entry and runs it."""

    busy: bool  # a run was asked for and its result is not shown yet

    def show_stage(self, name: str, stage: str) -> None:
        """Entry `name` tried ("try") or tried and fixed ("fix"), on the explorer's batch."""
        ...


class LectureWindow(Protocol):
    """What lecture mode uses of the main window besides QMainWindow's own methods (it docks
    its panel there, hides the menu and status bars, goes full screen). MainWindow is one."""

    state: AppState
    explorer: ExplorerPanel
    tabs: QTabWidget
    file_menu: QMenu
    view_menu: QMenu
    remembered: Remembered  # the lecture saves the look and its lesson files as they change
    tabBuilt: SignalInstance  # (key, panel): a tab built after the window was (main_window)

    @property
    def training(self) -> LessonTraining: ...

    @property
    def mistakes(self) -> LessonMistakes: ...

    def show_tab(self, key: str) -> bool:
        """Bring the tab `key` ("explorer", "training", "bench", "mistakes") to the front;
        False if none."""
        ...

    def built_tab(self, key: str) -> QWidget | None:
        """The panel of tab `key` if it is built yet, else None."""
        ...

    def show_error(self, message: str) -> None: ...

    def maybe_keep_changes(self) -> bool:
        """True when the batch may be replaced: nothing unsaved, or the user saved or
        discarded it; False when they cancelled."""
        ...
