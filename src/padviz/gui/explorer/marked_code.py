"""Code shown as text: as tall as its wrapped lines, with the lines that matter tinted."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QTextEdit

MARK_ALPHA = 48  # of 255: the tint behind the marked lines


class MarkedCode(QPlainTextEdit):
    """Read-only code, wrapped, asking for the height of its text (so what follows sits right
    under it); a crowded panel shrinks it to MIN_LINES and it scrolls. `mark(tag, colour)`
    tints the lines that carry `tag` and scrolls them into view."""

    MIN_LINES = 4

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._height = 0
        self._marked: int | None = None  # the block number of the last marked line
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.textChanged.connect(self._fit)

    def _text_height(self) -> int:
        """The wrapped text's height at the viewport's width. QPlainTextEdit lays out only
        the blocks in view, so its own line counts say 1 for the others: lay out a copy."""
        copy = QTextDocument()
        copy.setDefaultFont(self.font())
        copy.setDocumentMargin(self.document().documentMargin())
        option = copy.defaultTextOption()
        option.setWrapMode(self.wordWrapMode())
        copy.setDefaultTextOption(option)
        copy.setPlainText(self.toPlainText())
        copy.setTextWidth(max(self.viewport().width(), 1))
        slack = self.fontMetrics().lineSpacing() // 2  # rounding between the two layouts
        return int(copy.size().height()) + 2 * self.frameWidth() + slack

    def _fit(self) -> None:
        height = self._text_height()
        if height != self._height:
            self._height = height
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height)

    def minimumSizeHint(self) -> QSize:
        lines = self.MIN_LINES * self.fontMetrics().lineSpacing()
        return QSize(super().minimumSizeHint().width(), lines + 2 * self.frameWidth())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()  # wrapping changed with the width
        self._show_mark()  # the marked line, when it scrolls

    def mark(self, tag: str, colour: str) -> None:
        """A tinted background on the lines that carry `tag` (a comment-only one: the next
        line too, the one it explains)."""
        tint = QColor(colour)
        tint.setAlpha(MARK_ALPHA)
        marks = []
        block = self.document().firstBlock()
        follows = False  # the line after a comment-only mark carries the change
        while block.isValid():
            text = block.text()
            if tag in text or follows:
                follows = tag in text and text.lstrip().startswith("#")
                mark = QTextEdit.ExtraSelection()
                mark.cursor = QTextCursor(block)
                mark.cursor.movePosition(
                    QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
                )  # every wrapped line of it
                mark.format.setBackground(tint)
                mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                marks.append(mark)
            else:
                follows = False
            block = block.next()
        self.setExtraSelections(marks)
        self._marked = marks[-1].cursor.block().blockNumber() if marks else None
        self._show_mark()

    def _show_mark(self) -> None:
        """A view too short for all of it scrolls to the last marked line (the change), all
        of its wrapped lines where they fit."""
        if self._marked is None:
            return
        cursor = QTextCursor(self.document().findBlockByNumber(self._marked))
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
