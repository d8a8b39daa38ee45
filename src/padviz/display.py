"""Can Qt open a window here? Asked before Qt starts, since Qt aborts (a core dump, and a hint
that names the wrong library) when it cannot. No Qt is imported here.

On Linux without QT_QPA_PLATFORM, Qt uses Wayland when WAYLAND_DISPLAY is set and X11 (its
"xcb" plugin) when DISPLAY is; the xcb plugin needs a dozen X libraries that minimal systems
lack. Loading the plugin with ctypes resolves those libraries exactly as Qt would and names
the first one missing.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

from padviz.core.errors import PadvizError

HEADLESS = (
    "to run without a display use `padviz screenshot --out FILE.png` or the other commands, "
    "or set QT_QPA_PLATFORM=offscreen"
)
# What the xcb plugin and Qt's GUI libraries link against, as Debian / Ubuntu packages.
APT_PACKAGES = (
    "libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 "
    "libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 "
    "libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 "
    "libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1"
)
NO_WINDOW_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


class DisplayError(PadvizError):
    """Qt could not open a window here; the message says what is missing and what to do."""


def check_display(environ: dict[str, str] | None = None, platform: str = sys.platform) -> None:
    """Raise DisplayError when Qt would fail to start a windowed app here."""
    env = os.environ if environ is None else environ
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if not platform.startswith("linux") or chosen.startswith(NO_WINDOW_PLATFORMS):
        return
    if chosen.startswith("wayland") or (not chosen and env.get("WAYLAND_DISPLAY")):
        if not env.get("WAYLAND_DISPLAY"):
            raise DisplayError(f"no Wayland display: WAYLAND_DISPLAY is not set; {HEADLESS}")
        return
    if not env.get("DISPLAY"):
        raise DisplayError(f"no display: neither DISPLAY nor WAYLAND_DISPLAY is set; {HEADLESS}")
    missing = missing_xcb_library()
    if missing:
        raise DisplayError(
            f"Qt's X11 plugin cannot start: {missing} is missing (on Debian or Ubuntu: "
            f"apt-get install {APT_PACKAGES}); or {HEADLESS}"
        )


def missing_xcb_library() -> str | None:
    """The first library the xcb plugin needs that cannot be loaded, or None."""
    plugin = _xcb_plugin()
    if plugin is None:
        return None  # not a PySide6 wheel layout; let Qt say
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc).split(":")[0]
    return None


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder, "Qt", "plugins", "platforms", "libqxcb.so")
        if path.is_file():
            return path
    return None
