"""The padviz main window: tabs (Explorer, Training, Bench), menus, batch files, and what it
remembers between runs (`Remembered`).

Only the Explorer is built before the window's first paint; the other tabs start as empty
placeholders and are built after it once torch is loaded, one step per event-loop turn (a
tab's modules are imported in one turn and the tab is built in the next: together they took
the GUI thread ~70 ms for the Training tab), or at once when something needs one (showing
its tab, a menu item, `tab(key)`, the `training` / `bench` / ... attributes).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, QSize, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from padviz.core.batch import BatchError, load_preset, preset_names, save_json
from padviz.core.errors import PadvizError
from padviz.gui.explorer import ExplorerPanel
from padviz.gui.explorer.panel import VIEW_NAMES
from padviz.gui.lecture import Lecture
from padviz.gui.remembered import Remembered
from padviz.gui.spin_guard import SpinGuard
from padviz.gui.state import AppState
from padviz.gui.torch_loader import torch_loader

if TYPE_CHECKING:
    from padviz.core.padviz_files import PadvizFile
    from padviz.gui.bench import BenchPanel
    from padviz.gui.corpus import CorpusPanel
    from padviz.gui.explorer.mistakes_panel import MistakesPanel
    from padviz.gui.training import TrainingPanel

START_PRESET = "article"
DEFAULT_SIZE = QSize(1600, 1000)  # where the screen has room for it
BATCH_FILTER = "padviz batch (*.json);;All files (*)"
OPEN_FILTER = "padviz batch, session or lesson (*.json);;All files (*)"
# The File menu's training items (TrainingPanel methods); they work before the tab is built.
TRAINING_FILE_ACTIONS = (
    ("Open training &session…", "open_session_dialog"),
    ("Save training s&ession…", "save_session_dialog"),
    ("Export loss curves as &CSV…", "export_csv_dialog"),
    ("Export loss &plots (PNG/SVG)…", "export_plots_dialog"),
    ("Export training scrip&t…", "export_script_dialog"),
)


def _start_state() -> AppState:
    try:
        return AppState(load_preset(START_PRESET))
    except BatchError:
        return AppState()


def _build_training(window: MainWindow) -> QWidget:
    from padviz.gui.training import TrainingPanel

    return TrainingPanel(window.state)


def _build_bench(_window: MainWindow) -> QWidget:
    from padviz.gui.bench import BenchPanel

    return BenchPanel()


def _build_corpus(window: MainWindow) -> QWidget:
    from padviz.gui.corpus import CorpusPanel

    corpus = CorpusPanel(window.state)
    corpus.batchSent.connect(lambda: window.show_tab("explorer"))
    corpus.fileRead.connect(window._corpus_read)
    return corpus


def _build_mistakes(window: MainWindow) -> QWidget:
    from padviz.gui.explorer.mistakes_panel import MistakesPanel

    lab = MistakesPanel(window.state)  # the mistake lab, on the explorer's batch
    lab.showInExplorer.connect(window.light_in_explorer)
    return lab


class MainWindow(QMainWindow):
    """The app's window; builds without starting an event loop (a QApplication must exist).

    Dialogs go through `ask_open_path`, `ask_save_path`, `ask_export_path`,
    `ask_export_folder` and `ask_unsaved_changes`, so tests and scripts can answer them.
    Tabs are found by key (`tab`, `show_tab`): "explorer", "training", "bench", as lessons
    name them, whatever their titles say. `tabBuilt(key, panel)` is said when a tab that
    started as a placeholder has been built and put in its place."""

    tabBuilt = Signal(str, QWidget)

    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self.state = state if state is not None else _start_state()
        self._ask_before_closing = True  # about an unsaved batch or curves
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.setCentralWidget(self.tabs)
        self._tabs_by_key: dict[str, QWidget] = {}
        # Tabs still placeholders: plain functions of the window (a bound method kept here
        # would keep a closed window alive: Qt's wrappers are not collected in cycles).
        self._builders: dict[str, Callable[[MainWindow], QWidget]] = {}
        self._modules: dict[str, str] = {}  # the module a placeholder's builder imports
        self.explorer = ExplorerPanel(self.state)
        self.add_tab("explorer", self.explorer, "Explorer")
        self.add_lazy_tab("training", _build_training, "Training", "padviz.gui.training")
        self.add_lazy_tab("bench", _build_bench, "Bench", "padviz.gui.bench")
        self.add_lazy_tab("corpus", _build_corpus, "Corpus", "padviz.gui.corpus")
        self.add_lazy_tab(
            "mistakes", _build_mistakes, "Mistakes", "padviz.gui.explorer.mistakes_panel"
        )
        self.tabs.currentChanged.connect(self._build_current)  # before anyone else hears it
        # A timer of the window's own: a functor given to QTimer.singleShot is never let go
        # when its context dies first, and would keep a closed window's widgets alive.
        self._tab_timer = QTimer(self, singleShot=True, interval=0)
        self._tab_timer.timeout.connect(self._build_next_tab)
        self._waiting_file: PadvizFile | None = None  # opened once torch is loaded
        QApplication.instance().aboutToQuit.connect(self.stop_workers)

        self.file_menu = self.menuBar().addMenu("&File")
        self.view_menu = self.menuBar().addMenu("&View")
        self.help_menu = self.menuBar().addMenu("&Help")
        self._build_file_menu()
        self._build_view_menu()
        self.help_menu.addAction("&About padviz", self._about)

        self.state.dirtyChanged.connect(self.setWindowModified)
        self.state.pathChanged.connect(
            self._update_title
        )  # a lambda here kept closed windows alive
        self.state.changed.connect(self._update_title)
        self._update_title()
        self.statusBar()
        self.spin_guard = SpinGuard(self.statusBar().showMessage, self)  # keys spin boxes refuse
        self.resize(DEFAULT_SIZE)
        self.remembered = Remembered(report=self.show_error)
        self.lecture = Lecture(self)  # presentation, lessons, time walk; restores the look
        self._restore()
        self.fit_screen()
        # An error stays until the next edit succeeds (a remembered setting dropped while
        # restoring, above, is still shown).
        self.state.changed.connect(self._clear_old_error)
        self.tabs.installEventFilter(self)  # its first paint starts loading torch

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tabs and event.type() == QEvent.Type.Paint:
            self.tabs.removeEventFilter(self)
            QTimer.singleShot(0, torch_loader().start)  # once this paint is on screen
            # The other tabs once torch is there: built meanwhile, they slowed its import
            # (and the first layout) by the time they took on the GUI thread.
            torch_loader().when_loaded(self._tab_timer.start)
        return super().eventFilter(watched, event)

    def fit_screen(self) -> None:
        """No larger than the screen's available area (a projector may have 1280 x 720)."""
        screen = self.screen()
        if screen is None:
            return
        room = screen.availableGeometry().size()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar, borders
        self.resize(self.size().boundedTo(room - frame))

    # -- tabs ------------------------------------------------------------------------------
    def add_tab(self, key: str, widget: QWidget, title: str) -> int:
        """Add a panel as a tab titled `title`, found by `key`; returns its index."""
        if key in self._tabs_by_key:
            raise ValueError(f"there is already a tab {key!r}")
        self._tabs_by_key[key] = widget
        return self.tabs.addTab(widget, title)

    def add_lazy_tab(
        self,
        key: str,
        build: Callable[[MainWindow], QWidget],
        title: str,
        module: str | None = None,
    ) -> int:
        """Add a tab whose panel `build(window)` makes when first needed (see the module doc);
        `module`, the one `build` imports, is imported a turn ahead when built in the
        background."""
        index = self.add_tab(key, QWidget(), title)
        self._builders[key] = build
        if module is not None:
            self._modules[key] = module
        return index

    def tab(self, key: str) -> QWidget | None:
        """The panel added under `key` (built now if it was not yet), or None."""
        if key in self._builders:
            self._build_tab(key)
        return self._tabs_by_key.get(key)

    def built_tab(self, key: str) -> QWidget | None:
        """The panel under `key` if it is built, else None (building nothing)."""
        return None if key in self._builders else self._tabs_by_key.get(key)

    def _build_tab(self, key: str) -> None:
        """Build the panel of `key` and put it where its placeholder was, at the same index
        with the same title, the current tab staying current (nobody hears a change)."""
        placeholder = self._tabs_by_key[key]
        build = self._builders.pop(key)
        self._modules.pop(key, None)
        try:
            panel = build(self)
        except BaseException:
            self._builders[key] = build  # still a placeholder: never taken for the panel
            raise
        self._tabs_by_key[key] = panel
        index = self.tabs.indexOf(placeholder)
        if index >= 0:
            current = self.tabs.currentIndex()
            title, tip = self.tabs.tabText(index), self.tabs.tabToolTip(index)
            blocked = self.tabs.blockSignals(True)
            try:
                self.tabs.removeTab(index)
                self.tabs.insertTab(index, panel, title)
                self.tabs.setTabToolTip(index, tip)
                self.tabs.setCurrentIndex(current)
            finally:
                self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self.tabBuilt.emit(key, panel)

    def _build_current(self, index: int) -> None:
        """A placeholder brought to the front is built before anything is drawn."""
        key = next((k for k, w in self._tabs_by_key.items() if w is self.tabs.widget(index)), "")
        if key in self._builders:
            self._build_tab(key)

    def _build_next_tab(self) -> None:
        """After the first paint and torch: one step per event-loop turn (a placeholder's
        module imported, or the placeholder built), so input and painting go on in between."""
        if self._builders:
            key = next(iter(self._builders))
            module = self._modules.pop(key, None)
            if module is not None and module not in sys.modules:
                importlib.import_module(module)
            else:
                self._build_tab(key)
        if self._builders:
            self._tab_timer.start()

    def _corpus_read(self, path: str) -> None:
        """A corpus file read in the Corpus tab is offered to train and to measure on."""
        self.training.form.add_corpus(path)
        self.bench.add_corpus(path)

    @property
    def training(self) -> TrainingPanel:
        return cast("TrainingPanel", self.tab("training"))

    @property
    def bench(self) -> BenchPanel:
        return cast("BenchPanel", self.tab("bench"))

    @property
    def corpus(self) -> CorpusPanel:
        return cast("CorpusPanel", self.tab("corpus"))

    @property
    def mistakes(self) -> MistakesPanel:
        return cast("MistakesPanel", self.tab("mistakes"))

    def light_in_explorer(self, cells) -> None:
        """The mistake lab's cells, lit in the explorer's views (Show in explorer)."""
        self.show_tab("explorer")
        self.explorer.highlight_cells(cells)

    def show_tab(self, key: str) -> bool:
        """Bring the tab `key` to the front; False when there is no such tab."""
        widget = self.tab(key)
        if widget is None or self.tabs.indexOf(widget) < 0:
            return False
        self.tabs.setCurrentWidget(widget)
        return True

    # -- menus -----------------------------------------------------------------------------
    def _build_file_menu(self) -> None:
        menu = self.file_menu
        self.open_action = menu.addAction("&Open…", self.open_dialog)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.addAction("Open &corpus…", self.open_corpus_dialog)
        presets = menu.addMenu("Open &preset")
        for name in preset_names():
            presets.addAction(name, lambda name=name: self.open_preset(name))
        menu.addSeparator()
        self.save_action = menu.addAction("&Save batch", self.save)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_as_action = menu.addAction("Save batch &as…", self.save_as)
        self.save_as_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        menu.addSeparator()
        menu.addAction("&Export current view…", self.export_current_view)
        menu.addAction("Export a&ll views…", self.export_all_views)
        menu.addSeparator()
        for text, method in TRAINING_FILE_ACTIONS:
            menu.addAction(text, lambda method=method: getattr(self.training, method)())
        menu.addSeparator()
        quit_action = menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

    def _build_view_menu(self) -> None:
        self.show_code_action = QAction("Show &code", self)
        self.show_code_action.setCheckable(True)
        self.show_code_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        button = self.explorer.show_code_button
        self.show_code_action.toggled.connect(button.setChecked)
        button.toggled.connect(self.show_code_action.setChecked)
        self.view_menu.addAction(self.show_code_action)
        lab = self.view_menu.addAction("&Mistake lab", lambda: self.show_tab("mistakes"))
        lab.setShortcut(QKeySequence("Ctrl+Shift+M"))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.remembered.recent_files()
        for path in files:
            self.recent_menu.addAction(path, lambda path=path: self.open_file(path))
        if not files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About padviz",
            "padviz shows how variable-length sequences are padded, masked and packed for RNN "
            "training in PyTorch, and what each choice costs.",
        )

    def _update_title(self) -> None:
        path = self.state.path
        name = path.name if path is not None else (self.state.batch.name or "untitled")
        self.setWindowTitle(f"padviz — {name}[*]")
        self.setWindowModified(self.state.dirty)

    # -- remembered between runs -----------------------------------------------------------
    def _restore(self) -> None:
        """The geometry, docks and batch the last run left (after the lecture added its dock)."""
        remembered = self.remembered
        remembered.restore_window(self)
        batch, options = remembered.batch(), remembered.options()
        if batch is not None:
            self.state.set_batch(batch, edited=False)
        if options is not None:
            self.state.set_options(options)

    def _save_remembered(self) -> None:
        self.remembered.save_window(self)
        self.remembered.save_batch(self.state.batch, self.state.options)

    # -- files -----------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Errors are shown in the window (status bar), never only on a terminal."""
        self.statusBar().showMessage(f"error: {message}")

    def _clear_old_error(self) -> None:
        if self.statusBar().currentMessage().startswith("error: "):
            self.statusBar().clearMessage()

    def open_file(self, path: str | Path) -> bool:
        """Open a padviz file of any kind (batch, session or lesson, told by its "format");
        a bad file is reported in the window."""
        from padviz.core.padviz_files import read_padviz_file

        try:
            opened = read_padviz_file(path)
        except PadvizError as exc:
            self.show_error(str(exc))
            return False
        return self.open_padviz_file(opened)

    def open_padviz_file(self, opened: PadvizFile) -> bool:
        """Show a file already read: a batch in the explorer, a session in the training lab,
        a lesson in the lecture (each asks first when the batch has unsaved changes). Before
        torch is loaded the file is shown once it is (True: it will be)."""
        if not torch_loader().is_loaded():
            self._waiting_file = opened
            torch_loader().when_loaded(self._open_waiting_file_soon)
            return True
        from padviz.gui.training.files import opened_message

        path = opened.path
        notes: list[str] = []
        if opened.kind == "lesson":
            if not self.lecture.open_lesson(str(path.resolve())):
                return False
        elif not self.maybe_keep_changes():
            return False
        elif opened.kind == "session":
            if not self.maybe_keep_curves():
                return False
            try:
                notes = self.training.restore_session(opened.content)
            except PadvizError as exc:
                self.show_error(f"{path}: {exc}")
                return False
            self.show_tab("training")
        else:
            self.state.set_batch(opened.content, edited=False)
            self.state.set_path(path)
        self.remembered.add_recent_file(path)
        self.statusBar().showMessage(
            opened_message(opened.kind, path, notes), 5000 if not notes else 0
        )
        return True

    def _open_waiting_file_soon(self) -> None:
        """A turn after torch arrived: tabs built while it loaded have filled in its choices."""
        timer = QTimer(self, singleShot=True, interval=0)
        timer.timeout.connect(self._open_waiting_file)
        timer.timeout.connect(timer.deleteLater)
        timer.start()

    def _open_waiting_file(self) -> None:
        opened, self._waiting_file = self._waiting_file, None
        if opened is not None:
            self.open_padviz_file(opened)

    def open_corpus_dialog(self) -> None:
        self.show_tab("corpus")
        self.corpus.open_dialog()

    def open_preset(self, name: str) -> bool:
        if not self.maybe_keep_changes():
            return False
        self.explorer.editor.load_preset(name)
        return True

    def save_file(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            save_json(self.state.batch, path)
        except BatchError as exc:
            self.show_error(str(exc))
            return False
        self.state.set_path(path)
        self.remembered.add_recent_file(path)
        self.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def open_dialog(self) -> bool:
        path = self.ask_open_path()
        return path is not None and self.open_file(path)

    def save(self) -> bool:
        if self.state.path is None:
            return self.save_as()
        return self.save_file(self.state.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return path is not None and self.save_file(path)

    def export_current_view(self) -> bool:
        name = self.explorer.current_view
        path = self.ask_export_path(name)
        if path is None:
            return False
        try:
            self.explorer.export_view(name, path)
        except (PadvizError, OSError) as exc:  # bad input, or a file that cannot be written
            self.show_error(str(exc))
            return False
        self.statusBar().showMessage(f"exported the {name} view to {path}", 5000)
        return True

    def export_all_views(self) -> bool:
        answer = self.ask_export_folder()
        if answer is None:
            return False
        folder, fmt = answer
        try:
            paths = self.explorer.export_all(folder, fmt)
        except (PadvizError, OSError) as exc:  # bad input, or a file that cannot be written
            self.show_error(str(exc))
            return False
        self.statusBar().showMessage(f"exported {len(paths)} views to {folder}", 5000)
        return True

    # -- dialogs (override or patch these in tests) ----------------------------------------
    def ask_open_path(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, "Open", "", OPEN_FILTER)
        return Path(path) if path else None

    def ask_save_path(self) -> Path | None:
        start = str(self.state.path or f"{self.state.batch.name or 'batch'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save batch", start, BATCH_FILTER)
        if not path:
            return None
        return Path(path) if Path(path).suffix else Path(path).with_suffix(".json")

    def ask_export_path(self, view: str) -> Path | None:
        path, chosen = QFileDialog.getSaveFileName(
            self, f"Export the {view} view", f"{view}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if not path:
            return None
        suffix = ".svg" if "svg" in chosen else ".png"
        return Path(path) if Path(path).suffix else Path(path).with_suffix(suffix)

    def ask_export_folder(self) -> tuple[Path, str] | None:
        folder = QFileDialog.getExistingDirectory(self, f"Export {', '.join(VIEW_NAMES)} into")
        if not folder:
            return None
        box = QMessageBox(self)
        box.setWindowTitle("Export all views")
        box.setText("Export the views as:")
        png = box.addButton("PNG", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("SVG", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.AcceptRole:
            return None
        return Path(folder), "png" if clicked is png else "svg"

    def ask_unsaved_changes(self) -> str:
        """ "save", "discard" or "cancel": what to do with unsaved changes to the batch."""
        return self._save_discard_or_cancel(
            "Unsaved changes", "The batch has unsaved changes. Save them first?"
        )

    def ask_unsaved_curves(self) -> str:
        """ "save", "discard" or "cancel": what to do with trained curves never saved."""
        return self._save_discard_or_cancel(
            "Unsaved training curves",
            "The trained curves have not been saved. Save the training session first?",
        )

    def _save_discard_or_cancel(self, title: str, question: str) -> str:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, title, question, buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def maybe_keep_curves(self) -> bool:
        """Like maybe_keep_changes, for the training curves (closing, opening a session)."""
        if not self._ask_before_closing or not self.training.unsaved_curves():
            return True
        answer = self.ask_unsaved_curves()
        if answer == "save":
            self.training.save_session_dialog()
            return not self.training.unsaved_curves()
        return answer == "discard"

    def discard_unsaved(self) -> None:
        """Close without asking (a screenshot's or a script's window, not the user's)."""
        self._ask_before_closing = False

    def maybe_keep_changes(self) -> bool:
        """True when it is fine to replace or close the batch: nothing unsaved, or the user
        saved or discarded it; False when they cancelled (or saving failed)."""
        if not self.state.dirty or not self._ask_before_closing:
            return True
        answer = self.ask_unsaved_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def stop_workers(self) -> None:
        """End every training and bench worker process (closing, quitting)."""
        for key in ("training", "bench"):
            panel = self.built_tab(key)  # one never built has none
            if panel is not None:
                cast("TrainingPanel | BenchPanel", panel).shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not (self.maybe_keep_changes() and self.maybe_keep_curves()):
            event.ignore()
            return
        self.lecture.finish()  # out of presentation first: the normal window is remembered
        self.stop_workers()
        self._save_remembered()
        event.accept()
