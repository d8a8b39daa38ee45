"""Spin boxes refuse what is not a number without a word; this says so: a key a spin box would
swallow (a letter, a second point, a digit past its maximum) shows a message naming the field
and what it takes, beside the field and through `report` (the window's status line)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QSpinBox,
    QToolTip,
    QWidget,
)


def _label_beside(layout: QGridLayout, spin: QWidget) -> QWidget | None:
    """The widget left of `spin` in a grid, where a grid of options keeps its labels."""
    index = layout.indexOf(spin)
    if index < 0:
        return None
    row, column, _, _ = layout.getItemPosition(index)
    item = layout.itemAtPosition(row, column - 1) if column > 0 else None
    return item.widget() if item is not None else None


def field_name(spin: QAbstractSpinBox) -> str:
    """What the user calls the field: its form label, the label left of it in a grid, a
    label naming it as buddy, its accessible name, else its object name."""
    parent = spin.parentWidget()
    layout = parent.layout() if parent is not None else None
    label: QWidget | None = None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(spin)
    elif isinstance(layout, QGridLayout):
        label = _label_beside(layout, spin)
    if not isinstance(label, QLabel) and parent is not None:
        label = next((w for w in parent.findChildren(QLabel) if w.buddy() is spin), None)
    text = label.text() if isinstance(label, QLabel) else spin.accessibleName()
    text = text.replace("&", "").strip().rstrip(":").strip()
    return text or spin.objectName() or "this field"


def what_it_takes(spin: QAbstractSpinBox) -> str:
    if isinstance(spin, QSpinBox):
        return f"a whole number from {spin.minimum()} to {spin.maximum()}"
    if isinstance(spin, QDoubleSpinBox):
        return f"a number from {spin.minimum():g} to {spin.maximum():g}"
    return "a value it offers"


class SpinGuard(QObject):
    """Installed on the application: watches the keys typed into every spin box."""

    def __init__(self, report: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._report = report
        self.last_message = ""
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(obj, QAbstractSpinBox):
            self._check(obj, event)  # type: ignore[arg-type]
        return False

    def _check(self, spin: QAbstractSpinBox, event: QKeyEvent) -> None:
        typed = event.text()
        if not typed or not typed.isprintable() or spin.isReadOnly():
            return
        edit = spin.lineEdit()
        text, cursor = edit.text(), edit.cursorPosition()
        if edit.hasSelectedText():
            start = edit.selectionStart()
            text = text[:start] + text[start + len(edit.selectedText()) :]
            cursor = start
        candidate = text[:cursor] + typed + text[cursor:]
        state = spin.validate(candidate, cursor + len(typed))
        state = state[0] if isinstance(state, tuple) else state
        if state != QValidator.State.Invalid:
            return
        message = f"{field_name(spin)}: type {what_it_takes(spin)} ({typed!r} is not taken)"
        self.last_message = message
        QToolTip.showText(spin.mapToGlobal(QPoint(0, spin.height())), message, spin)
        self._report(message)
