"""What padviz remembers between runs (through `app_settings()` only): window geometry and dock
layout, theme, zoom, the last batch and layout options, and the lesson files opened."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray

from padviz.core.batch import from_json, to_json
from padviz.core.lessons import LessonError, load_lesson
from padviz.core.options import LayoutOptions
from padviz.gui.settings import app_settings
from padviz.gui.theme import THEMES, current_theme, set_theme

if TYPE_CHECKING:
    from padviz.gui.lecture.controller import Lecture
    from padviz.gui.main_window import MainWindow

GEOMETRY = "ui/geometry"
WINDOW_STATE = "ui/state"
THEME = "ui/theme"
ZOOM = "ui/zoom"
BATCH = "session/batch"
OPTIONS = "session/options"
LESSON_FILES = "lecture/files"
DEFAULT_THEME = "light"


def _as_list(value: Any) -> list[str]:
    """QSettings (INI) gives a one-entry list back as a plain string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


class Session:
    """Saves and restores the remembered settings of one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def restore(self, lecture: Lecture) -> None:
        """Bring back what the last run left; anything unreadable is skipped, never fatal."""
        settings = app_settings()
        theme = settings.value(THEME)
        set_theme(theme if theme in THEMES else DEFAULT_THEME)
        try:
            zoom = float(settings.value(ZOOM, 1.0))
        except (TypeError, ValueError):
            zoom = 1.0
        lecture.appearance.set_zoom(zoom)
        geometry, window_state = settings.value(GEOMETRY), settings.value(WINDOW_STATE)
        if isinstance(geometry, QByteArray):
            self.window.restoreGeometry(geometry)
        if isinstance(window_state, QByteArray):
            self.window.restoreState(window_state)
        self._restore_batch(settings.value(BATCH), settings.value(OPTIONS))
        for path in _as_list(settings.value(LESSON_FILES)):
            try:
                lecture.player.add_file(path, load_lesson(path).title)
            except LessonError:
                continue  # moved or broken since: no longer offered

    def _restore_batch(self, batch_text: Any, options_text: Any) -> None:
        state = self.window.state
        try:
            if isinstance(batch_text, str):
                state.set_batch(from_json(json.loads(batch_text)), edited=False)
            if isinstance(options_text, str):
                state.set_options(LayoutOptions.from_dict(json.loads(options_text)))
        except (ValueError, TypeError) as exc:
            self.window.show_error(f"the remembered batch could not be restored: {exc}")

    def save_look(self, lecture: Lecture) -> None:
        settings = app_settings()
        settings.setValue(THEME, current_theme().name)
        settings.setValue(ZOOM, lecture.appearance.zoom)

    def save_lesson_files(self, paths: list[str]) -> None:
        app_settings().setValue(LESSON_FILES, paths)

    def save(self, lecture: Lecture) -> None:
        """Everything, as the window closes."""
        settings = app_settings()
        if lecture.presenting:  # remember the normal window, not the presentation
            lecture.leave()
        settings.setValue(GEOMETRY, self.window.saveGeometry())
        settings.setValue(WINDOW_STATE, self.window.saveState())
        state = self.window.state
        settings.setValue(BATCH, json.dumps(to_json(state.batch)))
        settings.setValue(OPTIONS, json.dumps(state.options.to_dict()))
        self.save_look(lecture)
        settings.setValue(LESSON_FILES, lecture.player.files())
        settings.sync()
