"""What the window remembers between runs, in one QSettings store (INI, per user): geometry and
dock layout, theme, zoom, the last batch and its layout options, recent batch files and lesson
files, and the remote workers connected to (per host).

One place, so tests can point it at a folder of their own and `padviz --reset-settings` forgets
it all. A stored value that cannot be read (edited by hand, left by another version) is skipped
and reported, never fatal: the window opens without it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings
from PySide6.QtWidgets import QMainWindow

from padviz.core.batch import Batch, from_json, to_json
from padviz.core.errors import PadvizError
from padviz.core.options import LayoutOptions
from padviz.gui.theme import THEMES

ORGANIZATION = "padviz"
APPLICATION = "padviz"
DEFAULT_THEME = "light"
MAX_RECENT = 8

GEOMETRY = "ui/geometry"
WINDOW_STATE = "ui/state"
THEME = "ui/theme"
ZOOM = "ui/zoom"
BATCH = "session/batch"
OPTIONS = "session/options"
RECENT_FILES = "recent/files"
LESSON_FILES = "lecture/files"
REMOTES = "remote/targets"
MAX_REMOTES = 8


def app_settings() -> QSettings:
    """The app's settings store (INI format, per user)."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def reset_settings() -> None:
    """Forget everything remembered (`padviz --reset-settings`)."""
    settings = app_settings()
    settings.clear()
    settings.sync()


class Remembered:
    """Reads and writes what one window remembers. Each reader returns the stored value, or a
    default (None, 1.0, [] ...) when there is none; a stored value it cannot read is passed to
    `report` (the window's `show_error`) and skipped."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._settings = app_settings()

    def _skip(self, what: str, why: object) -> None:
        self._report(f"skipped the remembered {what}: {why}")

    def _save(self, values: dict[str, Any]) -> None:
        """Store these values (by key) and write them to disk now."""
        for key, value in values.items():
            self._settings.setValue(key, value)
        self._settings.sync()

    # -- the window ------------------------------------------------------------------------
    def restore_window(self, window: QMainWindow) -> None:
        """Size, position, and where the docks are (call once every dock has been added)."""
        geometry = self._settings.value(GEOMETRY)
        if geometry is not None and not (
            isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)
        ):
            self._skip("window geometry", "it is not a saved geometry")
        state = self._settings.value(WINDOW_STATE)
        if state is not None and not (isinstance(state, QByteArray) and window.restoreState(state)):
            self._skip("dock layout", "it is not a saved window state")

    def save_window(self, window: QMainWindow) -> None:
        self._save({GEOMETRY: window.saveGeometry(), WINDOW_STATE: window.saveState()})

    # -- the look --------------------------------------------------------------------------
    def theme(self) -> str:
        """The theme's name (one of THEMES; DEFAULT_THEME when none was stored)."""
        name = self._settings.value(THEME)
        if name is None:
            return DEFAULT_THEME
        if not isinstance(name, str) or name not in THEMES:
            self._skip("theme", f"{name!r} is not one of {', '.join(THEMES)}")
            return DEFAULT_THEME
        return name

    def save_theme(self, name: str) -> None:
        self._save({THEME: name})

    def zoom(self) -> float:
        """The interface zoom (1.0 when none was stored)."""
        value = self._settings.value(ZOOM)
        if value is None:
            return 1.0
        try:
            zoom = float(value)
        except (TypeError, ValueError):
            zoom = math.nan
        if not (math.isfinite(zoom) and zoom > 0):
            self._skip("zoom", f"{value!r} is not a positive number")
            return 1.0
        return zoom

    def save_zoom(self, zoom: float) -> None:
        self._save({ZOOM: zoom})

    # -- the last batch ----------------------------------------------------------------------
    def batch(self) -> Batch | None:
        text = self._settings.value(BATCH)
        if text is None:
            return None
        try:
            return from_json(json.loads(str(text)))
        except (PadvizError, json.JSONDecodeError) as exc:  # not JSON, or not a padviz batch
            self._skip("batch", exc)
            return None

    def options(self) -> LayoutOptions | None:
        text = self._settings.value(OPTIONS)
        if text is None:
            return None
        try:
            return LayoutOptions.from_dict(json.loads(str(text)))
        except (PadvizError, json.JSONDecodeError) as exc:  # not JSON, an unknown key, a value
            self._skip("layout options", exc)
            return None

    def save_batch(self, batch: Batch, options: LayoutOptions) -> None:
        self._save({BATCH: json.dumps(to_json(batch)), OPTIONS: json.dumps(options.to_dict())})

    # -- files -------------------------------------------------------------------------------
    def _paths(self, key: str, what: str) -> list[str]:
        value = self._settings.value(key)
        if value is None:
            return []
        if isinstance(value, str):  # QSettings (INI) gives a one-entry list back as a string
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        self._skip(what, f"{value!r} is not a list of paths")
        return []

    def recent_files(self) -> list[str]:
        """Batch files opened or saved, the latest first."""
        return self._paths(RECENT_FILES, "list of recent files")

    def add_recent_file(self, path: str | Path) -> None:
        entry = str(Path(path).resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        self._save({RECENT_FILES: files[:MAX_RECENT]})

    def lesson_files(self) -> list[str]:
        """Lesson files opened, in the order they were first opened."""
        return self._paths(LESSON_FILES, "list of lesson files")

    def save_lesson_files(self, paths: list[str]) -> None:
        self._save({LESSON_FILES: paths})

    # -- remote workers ----------------------------------------------------------------------
    def remotes(self) -> list[tuple[str | None, str]]:
        """(ssh destination or None, command) of the remote workers connected to, the latest
        first: one per host (a destination), or per command when there is none."""
        text = self._settings.value(REMOTES)
        if text is None:
            return []
        try:
            entries = json.loads(str(text))
            if not isinstance(entries, list):
                raise ValueError("not a list")
            remotes = [_remote_entry(entry) for entry in entries]
        except ValueError as exc:  # JSONDecodeError included
            self._skip("remote workers", exc)
            return []
        return remotes[:MAX_REMOTES]

    def add_remote(self, destination: str | None, command: str) -> None:
        """Remember a remote worker that connected, replacing the one for the same host."""
        key = destination if destination is not None else command
        kept = [(d, c) for d, c in self.remotes() if (d if d is not None else c) != key]
        entries = [{"destination": d, "command": c} for d, c in [(destination, command), *kept]]
        self._save({REMOTES: json.dumps(entries[:MAX_REMOTES])})


def _remote_entry(entry: object) -> tuple[str | None, str]:
    """One remembered remote worker, or ValueError saying why it is not one."""
    if not isinstance(entry, dict) or set(entry) != {"destination", "command"}:
        raise ValueError(f"{entry!r} is not a destination and a command")
    destination, command = entry["destination"], entry["command"]
    if not (destination is None or isinstance(destination, str)) or not isinstance(command, str):
        raise ValueError(f"{entry!r} does not hold strings")
    return destination, command
