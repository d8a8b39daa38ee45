"""The lesson player: pick a lesson, walk its steps with Previous / Next, read the caption."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from padviz.gui.theme import current_theme
from padviz.gui.torch_loader import torch_loader

if TYPE_CHECKING:
    from padviz.core.lessons import Lesson, Step

CAPTION_SCALE = 1.6  # the caption's font relative to the interface font
CHOOSE = "Choose a lesson…"


class LessonPlayer(QWidget):
    """Shows one lesson at a time. The owner loads lessons (`set_lesson`) when the combo asks
    for one (`lessonRequested`), and applies each step it announces (`stepChanged`)."""

    lessonRequested = Signal(str)  # a shipped lesson's name or a lesson file's path
    stepChanged = Signal(object)  # Step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPlayer")
        self.lesson: Lesson | None = None
        self.key: str | None = None  # the combo entry of the lesson shown
        self.index = 0

        self.combo = QComboBox()
        self.combo.setObjectName("lessonCombo")
        self.combo.setToolTip("Lessons for lecturing; File > Open lesson… adds your own")
        self.combo.addItem(CHOOSE, None)
        self.combo.activated.connect(self._chosen)
        self.prev_button = QPushButton("◀  Previous")
        self.prev_button.setObjectName("prevStepButton")
        self.prev_button.setToolTip("Previous step (Page Up, ←)")
        self.prev_button.clicked.connect(self.previous)
        self.next_button = QPushButton("Next  ▶")
        self.next_button.setObjectName("nextStepButton")
        self.next_button.setToolTip("Next step (Page Down, →)")
        self.next_button.clicked.connect(self.next)
        for button in (self.prev_button, self.next_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the step shortcuts
        self.step_label = QLabel()
        self.step_label.setObjectName("stepLabel")
        self.step_label.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setObjectName("captionLabel")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel()
        self.error.setObjectName("lessonErrorLabel")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()

        row = QHBoxLayout()
        row.addWidget(self.combo)
        row.addWidget(self.step_label, 1)
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.caption)
        self._apply_caption_font()
        self._update()
        torch_loader().when_loaded(self._list_shipped)

    def _list_shipped(self) -> None:
        """The shipped lessons, first after CHOOSE (lessons load with torch)."""
        from padviz.core.lessons import shipped_lessons

        for row, info in enumerate(shipped_lessons(), start=1):
            number = f"{info.number}. " if info.number is not None else ""
            self.combo.insertItem(row, f"{number}{info.title}", info.name)

    # -- lessons ---------------------------------------------------------------------------------
    def _chosen(self, index: int) -> None:
        key = self.combo.itemData(index)
        if key is None or key == self.key:
            self.select_current()
        else:
            self.lessonRequested.emit(key)

    def add_file(self, path: str | Path, title: str) -> None:
        """List a lesson file in the combo (once)."""
        key = str(path)
        if self.combo.findData(key) < 0:
            self.combo.addItem(f"{title} ({Path(key).name})", key)

    def files(self) -> list[str]:
        """The lesson files listed in the combo, in the order added."""
        from padviz.core.lessons import shipped_lessons

        shipped = {info.name for info in shipped_lessons()}
        keys = (self.combo.itemData(i) for i in range(1, self.combo.count()))
        return [key for key in keys if key not in shipped]

    def show_error(self, message: str) -> None:
        """Say why a lesson could not be opened (until the next lesson opens)."""
        self.error.setStyleSheet(f"color: {current_theme().error};")
        self.error.setText(message)
        self.error.show()

    def set_lesson(self, lesson: Lesson, key: str, step: int = 0) -> None:
        """Show `lesson`, listed in the combo under `key`, at `step` (from 0)."""
        self.error.hide()
        self.lesson = lesson
        self.key = key
        self.select_current()
        self.go_to(step)

    def select_current(self) -> None:
        """Point the combo at the lesson shown (also after a failed or cancelled choice)."""
        self.combo.setCurrentIndex(max(self.combo.findData(self.key), 0) if self.key else 0)

    # -- steps -----------------------------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        return None if self.lesson is None else self.lesson.steps[self.index]

    def go_to(self, index: int) -> None:
        if self.lesson is None:
            return
        self.index = max(0, min(index, len(self.lesson.steps) - 1))
        self._update()
        self.stepChanged.emit(self.step)

    def next(self) -> None:
        if self.lesson is not None and self.index + 1 < len(self.lesson.steps):
            self.go_to(self.index + 1)

    def previous(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.go_to(self.index - 1)

    def _update(self) -> None:
        lesson = self.lesson
        if lesson is None:
            self.step_label.setText("")
            self.caption.setText("")
            self.caption.hide()
        else:
            self.step_label.setText(
                f"{lesson.title}  ·  step {self.index + 1} of {len(lesson.steps)}"
            )
            self.caption.setText(lesson.steps[self.index].caption)
            self.caption.show()
        self.prev_button.setEnabled(lesson is not None and self.index > 0)
        self.next_button.setEnabled(lesson is not None and self.index + 1 < len(lesson.steps))

    def show_caption(self, text: str) -> None:
        """The step's caption as filled from what is on screen (its training results)."""
        if self.caption.text() != text:
            self.caption.setText(text)

    # -- look ------------------------------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        """In presentation the lesson list gives way to the title and the caption."""
        self.combo.setVisible(not on)

    def _apply_caption_font(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * CAPTION_SCALE)
        self.caption.setFont(font)
        bold = QFont(self.font())
        bold.setBold(True)
        self.step_label.setFont(bold)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_caption_font()
        super().changeEvent(event)
