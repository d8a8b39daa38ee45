"""Runs hostile input through padviz inside one process that tests/test_hostile_input.py starts
under a memory limit and a timeout, so that a crash, a hang or a runaway allocation fails the
test instead of the machine. Not a test module itself (pytest does not collect it).

    python tests/hostile_driver.py cases   < cases.json   # CLI argv lists -> one result each
    python tests/hostile_driver.py files   FOLDER         # hypothesis: mutated padviz files
    python tests/hostile_driver.py flags                  # hypothesis: CLI flag values
    python tests/hostile_driver.py gui     < typed.json   # hostile text typed into the window

Each mode prints one JSON document on stdout: what each input got (exit code, stderr, any
traceback, or how long it took past its alarm), or for hypothesis modes the first failing
example. Every input has SECONDS_PER_INPUT before SIGALRM stops it as a hang.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SECONDS_PER_INPUT = 30


class Hang(BaseException):
    """An input that ran past its alarm."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


def _examples() -> Any:
    """hypothesis settings for a driver run: HOSTILE_EXAMPLES examples, no deadline (the box
    may be busy), no example database, the same examples every run unless HOSTILE_RANDOM is
    set (set it to explore new ones: that is how a list `cell` in a session was found)."""
    from hypothesis import HealthCheck, settings

    count = int(os.environ.get("HOSTILE_EXAMPLES", "150"))
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not os.environ.get("HOSTILE_RANDOM"),  # CI: the same examples each run
    )


def run_cli(argv: list[str]) -> dict[str, Any]:
    """padviz.cli.main(argv) with its output captured: exit code, stderr, any escaped bug."""
    import torch

    from padviz.cli import main

    torch.set_num_threads(1)
    out, err = io.StringIO(), io.StringIO()
    result: dict[str, Any] = {"argv": argv, "bug": None}
    signal.alarm(SECONDS_PER_INPUT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result["rc"] = main(argv)
    except Hang:
        result["bug"] = f"still running after {SECONDS_PER_INPUT} s"
    except BaseException:  # a bug padviz let out, MemoryError and SystemExit included
        result["bug"] = traceback.format_exc()
    finally:
        signal.alarm(0)
    result["stderr"] = err.getvalue()
    return result


def cases() -> list[dict[str, Any]]:
    return [run_cli(argv) for argv in json.load(sys.stdin)]


# -- files --------------------------------------------------------------------------------
def _valid_documents() -> dict[str, Any]:
    """One valid document of each format, to mutate."""
    from padviz.core.batch import load_preset, to_json
    from padviz.core.options import LayoutOptions
    from padviz.core.sessions import Session, to_dict
    from padviz.core.training import TrainConfig
    from padviz.resources import asset

    batch = load_preset("article")
    session = to_dict(Session(batch, LayoutOptions(), TrainConfig(), ("packed",)))
    lesson = json.loads(asset("lessons", "packing.json").read_text("utf-8"))
    return {"batch": to_json(batch), "session": session, "lesson": lesson}


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document that holds a value."""
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*at, i))
    return found


def _replaced(node: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[at[0]] = _replaced(node[at[0]], at[1:], value)
    return copy


def files(folder: str) -> dict[str, Any]:
    """Any padviz file, however mutated, is read or refused with a PadvizError; what is read
    is also computed (a batch's document, a session's trainer settings) without a bug."""
    from hypothesis import given
    from hypothesis import strategies as st

    from padviz.core.document import build_document
    from padviz.core.errors import PadvizError
    from padviz.core.padviz_files import read_padviz_file

    documents = _valid_documents()
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.sampled_from(["", "1", "packed", "padviz-batch", "x" * 20_000, "\ufeff", "\x00"]),
    )
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
    path = Path(folder) / "hostile.json"

    @st.composite
    def mutated(draw: Any) -> str:
        kind = draw(st.sampled_from(sorted(documents)))
        document = documents[kind]
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.sampled_from(_paths(document)))
            document = _replaced(document, at, draw(values))
        text = json.dumps(document)
        if draw(st.booleans()):  # sometimes cut short, or with a byte-order mark
            text = draw(st.sampled_from([text[: len(text) // 2], "\ufeff" + text, text]))
        return text

    failures: list[str] = []

    @_examples()
    @given(mutated())
    def read_any(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        signal.alarm(SECONDS_PER_INPUT)
        try:
            opened = read_padviz_file(path)
            if opened.kind == "batch":
                build_document(opened.content, _default_options(), rows=True)
            elif opened.kind == "session":  # its row-packing options drawn too
                build_document(opened.content.batch, opened.content.options, rows=True)
        except PadvizError:
            pass
        except BaseException:
            failures.append(f"{text[:2000]}\n{traceback.format_exc()}")
            raise
        finally:
            signal.alarm(0)

    with contextlib.suppress(Exception):  # hypothesis re-raises the failure recorded above
        read_any()
    return {"failures": failures[-1:]}


def _default_options() -> Any:
    from padviz.core.options import LayoutOptions

    return LayoutOptions()


# -- flags --------------------------------------------------------------------------------
NUMBER_FLAGS = {
    "layout": ["--padding-value", "--pad-to-multiple", "--max-length", "--buckets"],
    "train": [
        "--steps",
        "--seed",
        "--batch-size",
        "--hidden",
        "--embed",
        "--layers",
        "--lr",
        "--min-len",
        "--max-len",
        "--threads",
    ],
    "bench": [
        "--hidden",
        "--batch-size",
        "--max-len",
        "--buckets",
        "--reps",
        "--warmup",
        "--seed",
        "--threads",
    ],
}
TIME_FLAGS = ("--steps", "--reps", "--warmup")


def _whole(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


BASE = {
    "layout": ["layout", "--lengths", "5,3,7"],
    "train": [
        "train",
        "--mode",
        "packed",
        "--steps",
        "1",
        "--device",
        "cpu",
        "--hidden",
        "4",
        "--batch-size",
        "2",
        "--max-len",
        "4",
    ],
    "bench": [
        "bench",
        "--device",
        "cpu",
        "--hidden",
        "4",
        "--batch-size",
        "2",
        "--max-len",
        "8",
        "--buckets",
        "1",
        "--reps",
        "1",
        "--warmup",
        "0",
        "--json",
    ],
}


def flags(folder: str) -> dict[str, Any]:
    """Any value of a numeric flag: exit 0, or exit 2 with one line; never a bug or a hang."""
    from hypothesis import given
    from hypothesis import strategies as st

    texts = st.one_of(
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(
            ["", "nan", "-inf", "1e19", "1e308", "-1e300", "0x10", "\uff11", "1_000", "9" * 400]
        ),
        st.text(max_size=12),
    )
    csv = str(Path(folder) / "flags.csv")
    failures: list[dict[str, Any]] = []

    @_examples()
    @given(
        st.sampled_from(sorted(NUMBER_FLAGS)).flatmap(
            lambda c: st.tuples(st.just(c), st.sampled_from(NUMBER_FLAGS[c]), texts)
        )
    )
    def any_value(case: tuple[str, str, str]) -> None:
        command, flag, value = case
        if flag in TIME_FLAGS and _whole(value) and int(value) > 2:
            value = "2"  # what only takes time is not bounded (Stop ends it): keep it short
        argv = [*BASE[command], f"{flag}={value}"]
        if command == "train":
            argv += ["--csv", csv]
        got = run_cli(argv)
        ok = got["bug"] is None and (
            got["rc"] == 0
            or (
                got["rc"] == 2
                and got["stderr"].count("\n") == 1
                and got["stderr"].startswith("error: ")
            )
        )
        if not ok:
            failures.append(got)
        assert ok

    with contextlib.suppress(Exception):  # hypothesis re-raises the failure recorded above
        any_value()
    return {"failures": failures[-1:]}


# -- the window ---------------------------------------------------------------------------
def gui() -> list[dict[str, Any]]:
    """Type each hostile text into each field; what shows in the window, any escaped bug."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import (
        QAbstractSpinBox,
        QApplication,
        QLineEdit,
        QPlainTextEdit,
        QPushButton,
    )

    from padviz.gui.app import dispose
    from padviz.gui.main_window import MainWindow
    from padviz.gui.torch_loader import torch_loader

    app = QApplication.instance() or QApplication(sys.argv[:1])
    bugs: list[str] = []
    sys.excepthook = lambda kind, exc, tb: bugs.append(
        "".join(traceback.format_exception(kind, exc, tb))
    )
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    torch_loader().wait()
    results = []
    for name, text in json.load(sys.stdin):
        field = (
            window.findChild(QLineEdit, name)
            or window.findChild(QPlainTextEdit, name)
            or window.findChild(QAbstractSpinBox, name)
        )
        if field is None:
            results.append({"field": name, "text": text, "missing": True})
            continue
        window.show_tab("training" if window.training.isAncestorOf(field) else "explorer")
        _bring_forward(field)
        app.processEvents()
        window.statusBar().clearMessage()
        shown_before = _messages(window)
        before = len(bugs)
        signal.alarm(SECONDS_PER_INPUT)
        try:
            if isinstance(field, QPlainTextEdit):  # the text box applies on its button
                field.setPlainText(text)
                apply = window.findChild(QPushButton, "textApplyButton")
                QTest.mouseClick(apply, Qt.MouseButton.LeftButton)
            else:
                field.setFocus()
                if isinstance(field, QLineEdit):
                    field.clear()
                else:
                    field.lineEdit().selectAll()
                QTest.keyClicks(field, text)
                QTest.keyClick(field, Qt.Key.Key_Return)
            for _ in range(50):
                app.processEvents()
            if window.state.computing:
                window.state.ensure_document()
        except Hang:
            bugs.append(f"still running after {SECONDS_PER_INPUT} s")
        finally:
            signal.alarm(0)
        messages = sorted(text for _, text in _messages(window) - shown_before)
        status = window.statusBar().currentMessage()
        results.append(
            {
                "field": name,
                "text": text,
                "bugs": bugs[before:],
                "messages": messages,
                "status": status,
                "alive": window.isVisible(),
            }
        )
    dispose(window)
    return results


def _messages(window: Any) -> set[tuple[str, str]]:
    """The error labels shown in the window, with their text."""
    from PySide6.QtWidgets import QLabel

    labels = window.findChildren(QLabel)
    return {
        (w.objectName(), w.text())
        for w in labels
        if w.isVisible() and w.objectName().endswith("Error") and w.text()
    }


def _bring_forward(field: Any) -> None:
    """Show the tab pages that hold `field`, as a user clicks their way to it."""
    from PySide6.QtWidgets import QTabWidget

    parent = field.parentWidget()
    while parent is not None:
        if isinstance(parent, QTabWidget):
            for i in range(parent.count()):
                if parent.widget(i).isAncestorOf(field):
                    parent.setCurrentIndex(i)
        parent = parent.parentWidget()


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, _alarm)
    mode = sys.argv[1]
    if mode == "cases":
        report: Any = cases()
    elif mode == "gui":
        report = gui()
    else:
        report = {"files": files, "flags": flags}[mode](sys.argv[2])
    print(json.dumps(report))
