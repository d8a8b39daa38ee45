"""The window shows before torch is imported: `import padviz.gui.main_window` leaves torch out,
the first paint starts a thread that imports it, and the views say they are loading until then.

Each test runs in a fresh interpreter: in the test process torch is imported already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_importing_the_main_window_does_not_import_torch(tmp_path) -> None:
    out = _run(
        "import sys\nimport padviz.gui.main_window\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:5])",
        tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", f"torch came with the main window: {out.stdout}"


WINDOW = r"""
import json, sys, threading
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from padviz.gui.main_window import MainWindow
from padviz.gui.torch_loader import torch_loader

app = QApplication([])
window = MainWindow()
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "paint" not in seen:
            seen["paint"] = {
                "torch": "torch" in sys.modules,
                "notice": window.explorer.computing_label.text(),
                "title": window.explorer.padded_view.title.text,
                "form_enabled": window.training.form.isEnabled(),
                "lessons": window.lecture.player.combo.count(),
            }
        return False

class WhoImportsTorch:  # a meta-path finder that only notes the thread looking for torch
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            seen.setdefault("import_threads", []).append(threading.current_thread().name)
        return None

filt = FirstPaint(window)
window.tabs.installEventFilter(filt)
sys.meta_path.insert(0, WhoImportsTorch())

def loaded():
    seen["loaded"] = {
        "state_loading": window.state.loading,
        "form_enabled": window.training.form.isEnabled(),
        "tasks": window.training.form.task_combo.count(),
        "devices": window.bench.device_combo.count(),
        "lessons": window.lecture.player.combo.count(),
    }

# a turn later: the tabs built while torch loaded fill in its choices as it arrives
torch_loader().when_loaded(lambda: QTimer.singleShot(0, loaded))
window.resize(1280, 720)
window.show()

def check():
    if window.state.current and window.explorer.document is not None:
        seen["grid_rows"] = window.explorer.padded_view.grid.shape[0]
        seen["notice_after"] = window.explorer.computing_label.text()
        app.quit()
    else:
        QTimer.singleShot(20, check)

QTimer.singleShot(0, check)
QTimer.singleShot(60000, app.quit)
app.exec()
print(json.dumps(seen))
window.close()
"""


def test_the_window_paints_first_then_loads_torch_on_a_thread(tmp_path) -> None:
    out = _run(WINDOW, tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    first = seen["paint"]
    assert first["torch"] is False  # painted before torch was imported
    assert first["notice"] == "loading torch…"
    assert "loading torch" in first["title"]
    assert first["form_enabled"] is False  # the training settings wait for torch's choices
    assert first["lessons"] == 1  # only "Choose a lesson…" until lessons can load
    assert set(seen["import_threads"]) == {"padviz-torch-import"}  # not the GUI thread
    done = seen["loaded"]
    assert done["form_enabled"] is True and done["tasks"] >= 3
    assert done["devices"] >= 1
    assert done["lessons"] > 1
    assert seen["grid_rows"] > 0 and seen["notice_after"] == ""


def test_an_empty_view_waiting_for_its_first_document_stays_still(qtbot) -> None:
    """While torch loads the views have no grid: they paint once, not in a loop (the packed
    view's auto-range chased its own text's bounds, ~15 paints a second, and slowed the
    import thread through the GIL)."""
    from PySide6.QtCore import QEvent, QObject

    from padviz.gui.explorer.views import PackedView

    view = PackedView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(100)
    paints = []

    class Count(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                paints.append(event)
            return False

    counter = Count(view)
    view.viewport().installEventFilter(counter)
    qtbot.wait(500)
    assert len(paints) <= 1, f"{len(paints)} paints in half a second with nothing new to show"
