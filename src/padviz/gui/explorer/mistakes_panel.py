"""The mistake lab: pick a common padding mistake, "Try it" on the explorer's batch and see what
torch really does, then "Fix it" and see the fix match the per-sequence reference.

Everything shown comes from padviz.core.mistakes: the snippets, torch's own exception text or
the numbers that differ, and the verdict on the fix. Running a mistake (torch, some LSTMs run
sequence by sequence) happens on a thread; only the latest request is shown.
"""

from __future__ import annotations

import contextlib
import threading
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from padviz.core import mistakes
from padviz.core.mistakes import MistakeResult
from padviz.gui.explorer.marked_code import MarkedCode
from padviz.gui.explorer.mistake_cells_view import MistakeCellsView
from padviz.gui.state import AppState
from padviz.gui.theme import Theme, current_theme, readable_on, theme_notifier
from padviz.gui.torch_loader import LOADING, torch_loader

if TYPE_CHECKING:
    from padviz.core.document import Document

RUNNING = "running it against torch…"
FIX_HIDDEN = "# Press “Fix it” to see the fix and check it against torch."
LIST_MIN_WIDTH = 180


class _Delivery(QObject):
    """Carries a thread's result to the GUI thread (a queued signal)."""

    # request number, MistakeResult | None, its cells' Document | None, error | None
    done = Signal(int, object, object, object)


class MistakesPanel(QWidget):
    """mistakesPanel: `mistakesList` of entries; for the selected one `tryButton`, `fixButton`,
    `wrongCode` / `fixCode` (the lines after the shared setup, or whole scripts with
    `wholeScripts`) and `wrongVerdict` / `fixVerdict`; under them, for a silent mistake,
    `mistakeCells`: its batch with the affected cells lit. `result` is the latest run, `busy`
    says one is still to come."""

    resultShown = Signal(object)  # the MistakeResult now shown
    showInExplorer = Signal(object)  # (K, 2) (row, t) keys of the explorer's layout to light

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakesPanel")
        self.state = state
        self.result: MistakeResult | None = None
        self.document: Document | None = None  # the result's batch, for mistakeCells
        self.busy = False  # a run was asked for and its result is not shown yet
        self._presenting = False
        self._stage = 0  # 0: code only, 1: tried (the wrong code's outcome), 2: fixed too
        self._request = 0
        self._threads: list[threading.Thread] = []
        self._lengths = self.lengths()[0]  # what the shown code was written for
        self._stale = False  # the batch changed while the tab was hidden
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._delivered)
        self._build()
        state.changed.connect(self._batch_changed)
        theme_notifier().themeChanged.connect(self._theme_changed)
        self.list.setCurrentRow(0)

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        self.list = QListWidget()
        self.list.setObjectName("mistakesList")
        self.list.setMinimumWidth(LIST_MIN_WIDTH)
        for mistake in mistakes.ALL.values():
            self.list.addItem(mistake.title)
            self.list.item(self.list.count() - 1).setToolTip(f"{mistake.name}: {mistake.line}")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._selected)
        # In presentation the list gives its width to the code; this picks the entry instead.
        self.combo = QComboBox()
        self.combo.setObjectName("mistakesCombo")
        self.combo.addItems([m.title for m in mistakes.ALL.values()])
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(12)
        self.combo.currentIndexChanged.connect(self.list.setCurrentRow)
        self.combo.hide()

        self.title = _label("mistakeTitle")
        self.line = _label("mistakeLine")
        self.note = _label("mistakeNote")
        self.try_button = QPushButton("&Try it")
        self.try_button.setObjectName("tryButton")
        self.try_button.setToolTip("Run the wrong code against torch on the explorer's batch")
        self.try_button.clicked.connect(self.try_it)
        self.fix_button = QPushButton("&Fix it")
        self.fix_button.setObjectName("fixButton")
        self.fix_button.setToolTip(
            "Show the fix and whether it matches running each sequence alone"
        )
        self.fix_button.clicked.connect(self.fix_it)
        self.whole = QCheckBox("&Whole scripts")
        self.whole.setObjectName("wholeScripts")
        self.whole.setToolTip("The complete runnable scripts, set-up and reference included")
        self.whole.toggled.connect(lambda _on: self._render())
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("copyMistakeButton")
        self.copy_button.setToolTip("Copy the whole wrong script (and the fix, once shown)")
        self.copy_button.clicked.connect(self.copy)
        self.status = QLabel()
        self.status.setObjectName("mistakeStatus")
        buttons = QHBoxLayout()
        buttons.addWidget(self.combo, 2)
        for widget in (self.try_button, self.fix_button, self.whole, self.copy_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.status, 1)

        self.wrong_code, self.fix_code = MarkedCode("wrongCode"), MarkedCode("fixCode")
        self.wrong_verdict, self.fix_verdict = _label("wrongVerdict"), _label("fixVerdict")
        columns = QSplitter(Qt.Orientation.Horizontal)
        columns.setObjectName("mistakeColumns")
        columns.setChildrenCollapsible(False)
        for heading, view, verdict in (
            ("The wrong code", self.wrong_code, self.wrong_verdict),
            ("The fix", self.fix_code, self.fix_verdict),
        ):
            column = QWidget()
            layout = QVBoxLayout(column)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel(f"<b>{heading}</b>"))
            layout.addWidget(view)
            layout.addWidget(verdict)
            layout.addStretch(1)
            columns.addWidget(column)
        self.fix_column = column
        # As tall as the code and verdicts need, so the cells sit right under them.
        columns.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.cells = MistakeCellsView()
        self.cells.hide()
        self.cells.showInExplorer.connect(self._show_in_explorer)

        detail = QWidget()
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.line, self.note):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(columns)
        layout.addWidget(self.cells)
        layout.addStretch(1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 1200])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.splitter)
        self._apply_font()

    # -- what is selected, and on which batch ----------------------------------------------
    @property
    def name(self) -> str:
        return list(mistakes.ALL)[max(self.list.currentRow(), 0)]

    def lengths(self) -> tuple[tuple[int, ...], str]:
        """The explorer's lengths as the lab takes them, and what was changed to fit."""
        return mistakes.fit_lengths(self.state.batch.lengths)

    def select(self, name: str) -> None:
        self.list.setCurrentRow(list(mistakes.ALL).index(mistakes.get(name).name))

    def _selected(self, row: int) -> None:
        self.combo.setCurrentIndex(row)
        self._stage = 0
        self.result, self.document = None, None
        self._request += 1  # a run still going is for another entry
        self.busy = False
        self.status.setText("")
        self._render()

    def _batch_changed(self) -> None:
        if not self.isVisible():  # an edit in the explorer: catch up when shown, not per edit
            self._stale = True
            return
        self._stale = False
        lengths = self.lengths()[0]
        if lengths == self._lengths:
            return  # an option changed, not the lengths
        self._lengths = lengths
        if self._stage:  # shown results are for the old batch: run again on the new one
            self._start()
        else:
            self._render()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._batch_changed()

    # -- running -----------------------------------------------------------------------------
    def try_it(self) -> None:
        self._stage = max(self._stage, 1)
        self._start()

    def fix_it(self) -> None:
        self._stage = 2
        if self.result is None or self.result.name != self.name:
            self._start()
        else:
            self._render()

    def show_stage(self, name: str, stage: str) -> None:
        """A lesson's step: entry `name` tried ("try") or tried and fixed ("fix")."""
        if name != self.name:
            self.select(name)
        self._stage = 2 if stage == "fix" else 1
        current = self.result is not None and self.result.name == name
        if current and self.result.lengths == self.lengths_used():
            self._render()
        else:
            self._start()

    def lengths_used(self) -> tuple[int, ...]:
        """The lengths the selected entry runs on for the explorer's batch."""
        return mistakes.get(self.name).prepare(self.lengths()[0])[0]

    def _start(self) -> None:
        self._request += 1
        self.busy = True
        self.status.setText(RUNNING if torch_loader().is_loaded() else LOADING)
        torch_loader().when_loaded(self._run_thread)

    def _run_thread(self) -> None:
        request, name, (lengths, _) = self._request, self.name, self.lengths()
        batch, delivery = self.state.batch, self._delivery

        def work() -> None:
            from padviz.core.mistake_views import lab_document

            result, document, error = None, None, None
            try:
                result = mistakes.run(name, lengths)
                document = lab_document(batch, result)
            except Exception as exc:  # handed to the GUI thread, which raises it there
                error = exc
            with contextlib.suppress(RuntimeError):  # the panel was deleted meanwhile
                delivery.done.emit(request, result, document, error)

        thread = threading.Thread(target=work, name="padviz-mistake", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self) -> None:
        """Until every run started is done and shown (tests, screenshots)."""
        for thread in self._threads:
            thread.join()
        self._threads = []
        QGuiApplication.processEvents()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _delivered(
        self,
        request: int,
        result: MistakeResult | None,
        document: Document | None,
        error: Exception | None,
    ) -> None:
        if request != self._request:
            return  # overtaken by another entry or batch
        self.status.setText("")
        self.busy = False
        if error is not None:
            raise error  # a bug: the application's error report shows it
        self.result, self.document = result, document
        self._render()
        self.resultShown.emit(result)

    # -- showing -----------------------------------------------------------------------------
    def _render(self) -> None:
        mistake = mistakes.get(self.name)
        lengths, fitted = self.lengths()
        result = self.result if self.result is not None and self.result.name == self.name else None
        theme = current_theme()
        self.title.setText(f"<b>{escape(mistake.title)}</b>")
        self.line.setText(escape(mistake.line))
        used = result.lengths if result is not None else mistake.prepare(lengths)[0]
        notes = [f"On the explorer's batch: lengths {', '.join(map(str, used))}."]
        notes += [fitted] if fitted else []
        notes += [result.note] if result is not None and result.note else []
        self.note.setText(f"<span style='color:{theme.muted}'>{escape(' '.join(notes))}</span>")
        whole = self.whole.isChecked()
        self.wrong_code.setPlainText(mistake.wrong(used) if whole else mistake.wrong.excerpt)
        shows_fix = self._stage >= 2
        fix_text = mistake.fix(used) if whole else mistake.fix.excerpt
        self.fix_code.setPlainText(fix_text if shows_fix else FIX_HIDDEN)
        self.wrong_code.mark("# MISTAKE", theme.error)
        self.fix_code.mark("# FIX", theme.info)
        self.fix_column.setVisible(shows_fix or not self._presenting)
        self.wrong_verdict.setText(_verdict_html(result, theme, fix=False) if self._stage else "")
        self.fix_verdict.setText(_verdict_html(result, theme, fix=True) if shows_fix else "")
        self._render_cells(result, theme, fixed=shows_fix)

    def _render_cells(self, result: MistakeResult | None, theme: Theme, *, fixed: bool) -> None:
        """The batch with the affected cells lit, once a silent mistake was tried."""
        if not self._stage or result is None or self.document is None:
            self.cells.hide()
            return
        from padviz.core.mistake_views import ran_on

        self.cells.show_result(self.document, result, theme, fixed=fixed)
        own = ran_on(result, self.state.batch)
        self.cells.explorer_button.setEnabled(own)
        self.cells.explorer_button.setToolTip(
            "Light these cells in the explorer's views"
            if own
            else "The lab ran on other lengths than the explorer's batch (see the note above)"
        )

    def _show_in_explorer(self) -> None:
        from padviz.core.mistake_views import explorer_cells

        if self.result is not None:
            self.showInExplorer.emit(
                explorer_cells(self.result, self.state.batch, self.state.options)
            )

    def _theme_changed(self, _theme: Theme) -> None:
        self._render()

    def copy(self) -> None:
        mistake = mistakes.get(self.name)
        lengths = self.result.lengths if self.result is not None else self.lengths()[0]
        text = mistake.wrong(lengths)
        if self._stage >= 2:
            text += "\n\n# ---- the fix ----\n" + mistake.fix(lengths)
        QGuiApplication.clipboard().setText(text)

    def set_presentation(self, on: bool) -> None:
        """The list, the set-up and copy controls give way to the code and verdicts; a combo
        box picks the entry (and says its title); the fix's column waits for Fix it, so the
        wrong code has the width until then."""
        self._presenting = on
        self.list.setVisible(not on)
        self.combo.setVisible(on)
        self.title.setVisible(not on)
        self.whole.setVisible(not on)
        self.copy_button.setVisible(not on)
        if on and self.whole.isChecked():
            self.whole.setChecked(False)
        self._render()

    def _apply_font(self) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF())
        for view in (self.wrong_code, self.fix_code):
            view.setFont(mono)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_font()
        super().changeEvent(event)


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _badge(text: str, colour: str, theme: Theme) -> str:
    """`text` in bold on a `colour` background, in whichever of the theme's text colours reads
    best on it (orange text on white does not reach the back of a room; orange behind does)."""
    ink = readable_on((colour,), (theme.foreground, theme.background, "#000000", "#FFFFFF"))
    return f"<b style='background-color:{colour}; color:{ink}'>&nbsp;{escape(text)}&nbsp;</b>"


def _verdict_html(result: MistakeResult | None, theme: Theme, *, fix: bool) -> str:
    if result is None:
        return ""
    if fix:
        verdict = mistakes.fix_verdict(result)
        head, _, rest = verdict.partition(": ")
        colour = theme.info if result.fixed else theme.error
        return f"{_badge(head, colour, theme)} {escape(rest)}"
    if result.outcome == "error":
        head = f"torch raised {result.error_type}"
        return (
            f"{_badge(head, theme.error, theme)} <code>{escape(result.torch_message or '')}</code>"
        )
    evidence = mistakes.evidence_text(result.evidence or {})
    return f"{_badge('No error, silently wrong', theme.warning, theme)} {escape(evidence)}"
