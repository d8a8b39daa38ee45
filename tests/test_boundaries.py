"""The core never imports Qt: it must run headless, in worker processes and in scripts."""

import subprocess
import sys
from pathlib import Path

import padviz.core

CORE = Path(padviz.core.__file__).parent


def test_core_imports_no_qt() -> None:
    modules = sorted(f"padviz.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"padviz.core pulled in Qt: {out.stdout}"


def test_core_sources_name_no_qt() -> None:
    for path in CORE.glob("*.py"):
        text = path.read_text()
        for name in ("PySide6", "pyqtgraph", "PyQt"):
            assert f"import {name}" not in text and f"from {name}" not in text, path
