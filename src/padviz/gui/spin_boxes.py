"""The whole-number spin box the settings forms use."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox


def spin_box(low: int, high: int, value: int, name: str) -> QSpinBox:
    """A spin box over low..high at `value`, named `name`, that reports a typed number once,
    when it is complete (not at every keystroke: 4096 would pass through 4, 40 and 409)."""
    box = QSpinBox(objectName=name, keyboardTracking=False)
    box.setRange(low, high)
    box.setValue(value)
    return box
