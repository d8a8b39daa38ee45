"""Lecture mode for the main window: presentation, zoom, themes, lessons and the time walk.

`Lecture(window)` adds its actions to the window's File and View menus and a bottom dock with the
packed-time walk and the lesson player; it brings back the look and the lesson files the window
remembers (`window.remembered`) and saves them as they change. What it needs of the window and
its tabs is declared in `interfaces`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from padviz.gui.lecture.appearance import Appearance, follow_font_in_plots, palette_for
from padviz.gui.lecture.callout import Callout
from padviz.gui.lecture.interfaces import LectureWindow, Presentable
from padviz.gui.lecture.player import LessonPlayer
from padviz.gui.lecture.slides_export import SlidesExport
from padviz.gui.lecture.timewalk import TimeWalk
from padviz.gui.theme import THEMES, current_theme, set_theme, theme_notifier
from padviz.gui.torch_loader import torch_loader

if TYPE_CHECKING:
    from padviz.core.document import Document
    from padviz.core.lessons import Step
    from padviz.gui.remembered import Remembered

LESSON_FILTER = "padviz lesson (*.json);;All files (*)"
THEME_TITLES = {"light": "&Light", "dark": "&Dark", "contrast": "&High contrast"}
CAPTION_EVERY_S = 1.0  # a caption quoting live training numbers changes at most this often
# Widgets that use the arrow keys themselves: there the arrows do not walk the lesson.
_ARROW_USERS = (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)


class Lecture(QObject):
    """Everything a lecturer adds to the window; see the module docstring."""

    def __init__(self, window: LectureWindow) -> None:
        if not isinstance(window, QMainWindow):  # also tells type checkers that it is one
            raise TypeError("lecture mode needs a QMainWindow: it docks its panel there")
        super().__init__(window)
        self.window = window
        self.explorer = window.explorer
        self.appearance = Appearance(self)
        self.presenting = False
        self._callouts: list[Callout] = []
        self._step_cells = np.zeros((0, 2), np.int64)
        self._step_time: int | None = None  # the lesson step's time step to light ...
        self._time_waiting = False  # ... once its document is there
        self._waiting_lesson: tuple[str, int] | None = None  # opened once torch is loaded
        self._step_walks = False  # the lesson step shown lights or plays packed time steps
        self._captioned_at = 0.0  # time.monotonic() of the caption's last refill

        self.walk = TimeWalk()
        self.player = LessonPlayer()
        self.slides = SlidesExport(window, self._report)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.walk)
        column.addWidget(self.player)
        self.dock = QDockWidget("Lesson and time walk", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setWidget(body)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        body.installEventFilter(self)  # the dock follows its content's height (_fit_dock)

        self._build_actions()
        self.player.lessonRequested.connect(self.open_lesson)
        self.player.stepChanged.connect(self.show_step)
        self.walk.timeChanged.connect(self._light_time)
        window.state.layoutChanged.connect(self._document_changed)
        window.tabBuilt.connect(self._tab_built)  # tabs built after the first paint
        training = window.built_tab("training")
        if training is not None:
            self._tab_built("training", training)
        window.tabs.currentChanged.connect(self._tab_changed)
        theme_notifier().themeChanged.connect(self._theme_changed)
        self.appearance.changed.connect(self._font_changed)
        QApplication.instance().focusChanged.connect(self._focus_changed)

        self._restore(window.remembered)
        self._theme_changed(current_theme())  # the palette of the theme in force
        self._tab_changed()

    def _restore(self, remembered: Remembered) -> None:
        """The look of the last run now, its lesson files once lessons can be loaded."""
        set_theme(remembered.theme())
        self.appearance.set_zoom(remembered.zoom())
        torch_loader().when_loaded(self._restore_lesson_files)

    def _restore_lesson_files(self) -> None:
        """List the lesson files of the last run; files moved or broken since are dropped."""
        from padviz.core.lessons import LessonError, load_lesson

        remembered = self.window.remembered
        stored = remembered.lesson_files()
        for path in stored:
            try:
                self.player.add_file(path, load_lesson(path).title)
            except LessonError:
                continue
        if self.player.files() != stored:
            remembered.save_lesson_files(self.player.files())

    def finish(self) -> None:
        """The window is closing: stop the walk and leave presentation and full screen, so the
        window remembers its normal geometry, not the presentation's."""
        self.walk.set_playing(False)
        self.slides.cancel()
        self.leave()

    # -- actions ---------------------------------------------------------------------------------
    def _action(self, text: str, name: str, keys: tuple[str | QKeySequence, ...] = ()) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) for k in keys])
        self.window.addAction(action)  # shortcuts work with the menu bar hidden, too
        return action

    def _build_actions(self) -> None:
        w = self.window
        self.open_lesson_action = self._action("Open &lesson…", "openLessonAction")
        self.open_lesson_action.triggered.connect(self.open_lesson_dialog)
        first_separator = next((a for a in w.file_menu.actions() if a.isSeparator()), None)
        w.file_menu.insertAction(first_separator, self.open_lesson_action)
        self.slides_action = self._action("Export lesson as &slides…", "exportSlidesAction")
        self.slides_action.triggered.connect(
            lambda: self.slides.export_dialog(self.player.lesson, self.player.key)
        )
        w.file_menu.insertAction(first_separator, self.slides_action)

        self.presentation_action = self._action("&Presentation mode", "presentationAction", ("F5",))
        self.presentation_action.setCheckable(True)
        self.presentation_action.toggled.connect(self.set_presentation)
        self.fullscreen_action = self._action("&Full screen", "fullScreenAction", ("F11",))
        self.fullscreen_action.setCheckable(True)
        self.fullscreen_action.toggled.connect(self.set_fullscreen)
        self.leave_action = self._action("Leave presentation", "leavePresentationAction", ("Esc",))
        self.leave_action.triggered.connect(self.leave)
        self.leave_action.setEnabled(False)  # Esc stays with the widgets until then
        zoom_in = self._action(
            "Zoom &in", "zoomInAction", ("Ctrl+=", QKeySequence.StandardKey.ZoomIn)
        )
        zoom_in.triggered.connect(lambda: self.set_zoom(self.appearance.bigger()))
        zoom_out = self._action("Zoom &out", "zoomOutAction", ("Ctrl+-",))
        zoom_out.triggered.connect(lambda: self.set_zoom(self.appearance.smaller()))
        zoom_reset = self._action("&Actual size", "zoomResetAction", ("Ctrl+0",))
        zoom_reset.triggered.connect(lambda: self.set_zoom(1.0))
        self.next_action = self._action("&Next step", "nextStepAction", ("PgDown",))
        self.next_action.triggered.connect(self.player.next)
        self.prev_action = self._action("P&revious step", "prevStepAction", ("PgUp",))
        self.prev_action.triggered.connect(self.player.previous)
        self._arrows = [
            QShortcut(QKeySequence(key), w, slot)
            for key, slot in (
                ("Right", self.player.next),
                ("Down", self.player.next),
                ("Left", self.player.previous),
                ("Up", self.player.previous),
            )
        ]

        menu = w.view_menu
        menu.addSeparator()
        for action in (self.presentation_action, self.fullscreen_action):
            menu.addAction(action)
        menu.addSeparator()
        for action in (zoom_in, zoom_out, zoom_reset):
            menu.addAction(action)
        themes = menu.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            action = QAction(THEME_TITLES.get(name, name), self, checkable=True)
            action.setObjectName(f"theme_{name}")
            action.triggered.connect(lambda _=False, name=name: self.set_theme(name))
            group.addAction(action)
            themes.addAction(action)
            self.theme_actions[name] = action
        self.theme_actions[current_theme().name].setChecked(True)
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.addAction(self.next_action)
        menu.addAction(self.prev_action)

    # -- presentation ----------------------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        """Large type; editing controls, menus and status bar hidden: the views fill the screen."""
        self.presenting = on
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)
            return
        w = self.window
        for i in range(w.tabs.count()):
            panel = w.tabs.widget(i)
            if isinstance(panel, Presentable):
                panel.set_presentation(on)  # every panel hides its editing controls
        self.player.set_presentation(on)
        self.walk.set_presentation(on)
        self._tab_changed()
        w.menuBar().setVisible(not on)
        w.statusBar().setVisible(not on)
        self.dock.setTitleBarWidget(QWidget() if on else None)
        self.appearance.set_presenting(on)
        self._update_leave()

    def _tab_built(self, key: str, panel: QWidget) -> None:
        """A tab built after the window opened takes on the presentation and the zoom."""
        if key == "training":
            self.window.training.resultsChanged.connect(self._results_changed)
        if isinstance(panel, Presentable) and self.presenting:
            panel.set_presentation(True)
        if self.appearance.scale != 1.0:
            follow_font_in_plots(panel, QApplication.font())

    def set_fullscreen(self, on: bool) -> None:
        if self.fullscreen_action.isChecked() != on:
            self.fullscreen_action.setChecked(on)
            return
        if on:
            self.window.showFullScreen()
        else:
            self.window.showNormal()
        self._update_leave()

    def _update_leave(self) -> None:
        self.leave_action.setEnabled(self.presenting or self.fullscreen_action.isChecked())

    def leave(self) -> None:
        """Esc: back to the normal window."""
        self.set_fullscreen(False)
        self.set_presentation(False)

    def set_zoom(self, zoom: float) -> None:
        """Zoom the whole interface (and remember it)."""
        self.appearance.set_zoom(zoom)
        self.window.remembered.save_zoom(self.appearance.zoom)

    def set_theme(self, name: str) -> None:
        """Switch the theme of every view and widget (and remember it)."""
        set_theme(name)
        self.window.remembered.save_theme(name)

    def _font_changed(self) -> None:
        follow_font_in_plots(self.window, QApplication.font())

    def _theme_changed(self, theme) -> None:
        QApplication.instance().setPalette(palette_for(theme))
        self.theme_actions[theme.name].setChecked(True)
        for callout in self._callouts:
            callout.update()

    # -- lessons ---------------------------------------------------------------------------------
    def start(self, lesson: str | None = None, *, present: bool = False) -> None:
        """How `padviz --lesson NAME --present` opens: on a lesson, in presentation mode."""
        if lesson is not None:
            self.open_lesson(lesson)
        if present:
            self.set_presentation(True)

    def _report(self, message: str) -> None:
        """Show an error where it is seen, in presentation mode too (no status bar there)."""
        self.window.show_error(message)
        self.player.show_error(message)

    def ask_lesson_path(self) -> Path | None:
        """The lesson file to open (tests replace this dialog)."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", "", LESSON_FILTER)
        return Path(path) if path else None

    def open_lesson_dialog(self) -> bool:
        path = self.ask_lesson_path()
        return path is not None and self.open_lesson(str(path.resolve()))

    def open_lesson(self, key: str, step: int = 0) -> bool:
        """Load a shipped lesson (by name) or a lesson file (by path) and show `step` (from 0).
        A bad lesson is reported in the window; the current one stays. Before torch is
        loaded the lesson is opened once it is (True: it will be)."""
        if not self.window.maybe_keep_changes():
            self.player.select_current()
            return False
        if not torch_loader().is_loaded():
            self._waiting_lesson = (key, step)
            torch_loader().when_loaded(self._open_waiting_lesson_soon)
            return True
        from padviz.core.lessons import LessonError, load_lesson

        try:
            lesson = load_lesson(key)
        except LessonError as exc:
            self._report(str(exc))
            self.player.select_current()
            return False
        if Path(key).suffix == ".json":
            self.player.add_file(key, lesson.title)
            self.window.remembered.save_lesson_files(self.player.files())
        self.player.set_lesson(lesson, key, step)
        return True

    def _open_waiting_lesson_soon(self) -> None:
        """A turn after torch arrived: tabs built while it loaded have filled in its choices."""
        timer = QTimer(self, singleShot=True, interval=0)  # dies with the lecture
        timer.timeout.connect(self._open_waiting_lesson)
        timer.timeout.connect(timer.deleteLater)
        timer.start()

    def _open_waiting_lesson(self) -> None:
        if self._waiting_lesson is not None:
            key, step = self._waiting_lesson
            self._waiting_lesson = None
            self.open_lesson(key, step)

    def show_step(self, step: Step) -> None:
        """Put the window in the state the step describes."""
        w = self.window
        self._show_tab(step.tab)
        state = w.state
        if state.batch is not step.batch:
            state.set_batch(step.batch, edited=False)
        if state.path is not None:
            state.set_path(None)  # Save must not write a lesson's batch over the last file
        state.set_options(step.options)
        if step.mistake is not None:  # on the step's batch, set just above
            w.mistakes.show_stage(step.mistake.name, step.mistake.stage)
        if step.training is not None:
            w.training.apply_lesson(step.training)
        self._results_changed()
        if "codeView" in step.highlight.views:
            self.explorer.set_code_visible(True)
        self.explorer.show_secondary(step.highlight.views)  # before the callouts: shown
        w.training.show_secondary(step.highlight.views)
        self._call_out(step.highlight.views)
        self._step_cells = step.highlight_cells()
        self._step_time, self._time_waiting = step.highlight.time, True
        self._step_walks = step.highlight.walk or step.highlight.time is not None
        self._tab_changed()
        state.ensure_document()
        if state.current and state.document is not None:
            self._document_changed(state.document)
        # else: the step's document is being computed; _document_changed lights it on arrival

    def _results_changed(self, live: bool = False) -> None:
        """A caption that quotes the runs follows their numbers: while they train once a
        second at most (each new text may lay the dock out again), at once when they stop."""
        step = self.player.step
        now = time.monotonic()
        if step is None or not step.states_results:
            return
        if live and now - self._captioned_at < CAPTION_EVERY_S:
            return
        self._captioned_at = now
        self.player.show_caption(step.caption_for(self.window.training.run_results()))

    def _show_tab(self, key: str) -> None:
        if not self.window.show_tab(key):
            self._report(f"this lesson step shows the {key} tab, which is missing")

    def _call_out(self, names: tuple[str, ...]) -> None:
        for callout in self._callouts:
            callout.remove()
        targets = (self.window.findChild(QWidget, name) for name in names)
        self._callouts = [Callout(target) for target in targets if target is not None]

    # -- the time walk ---------------------------------------------------------------------------
    def _document_changed(self, document: Document) -> None:
        """The walk follows every new document; a lesson step's time step is lit once its
        document is there."""
        self.walk.set_document(document)
        if self._time_waiting:
            self._time_waiting = False
            self.walk.set_time(self._step_time, force=True)

    def _light_time(self, t: int | None) -> None:
        """Light time step t in the explorer, with the lesson step's own cells."""
        cells = self._step_cells
        if len(cells) == 0:
            self.explorer.highlight_time(t)
            return
        document = self.walk.document
        if t is not None and document is not None:
            cells = np.concatenate([document.time_cells(t), cells])
        self.explorer.highlight_cells(cells)

    def _tab_changed(self, *_args) -> None:
        """The walk belongs to the explorer: shown (and playing) only on its tab; in
        presentation only for a lesson step about time steps (the views keep the room)."""
        on_explorer = self.window.tabs.currentWidget() is self.explorer
        wanted = not self.presenting or self._step_walks or self.player.lesson is None
        self.walk.setVisible(on_explorer and wanted)

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        """Arrow keys walk the lesson unless the focused widget uses them itself."""
        free = not isinstance(now, _ARROW_USERS)
        for shortcut in self._arrows:
            shortcut.setEnabled(free)

    def _fit_dock(self) -> None:
        """Make the dock as tall as its content: the caption's lines, the walk if shown."""
        body = self.dock.widget()
        width = body.width() or self.window.width()
        height = body.heightForWidth(width) if body.hasHeightForWidth() else -1
        height = max(height, body.minimumSizeHint().height())
        self.window.resizeDocks([self.dock], [height], Qt.Orientation.Vertical)

    # -- events ----------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.dock.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit_dock()
        return False
