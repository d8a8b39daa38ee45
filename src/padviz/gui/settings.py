"""Remembered settings (QSettings): one place, so tests can isolate them and the CLI can reset
them."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings

ORGANIZATION = "padviz"
APPLICATION = "padviz"


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
