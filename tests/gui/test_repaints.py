"""An edit repaints what changed, once: no view paints twice, and a changed status text does
not relayout (and so repaint) the whole window. Counted with paint events, not timed."""

from __future__ import annotations

import collections

from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from padviz.core.batch import from_lengths
from padviz.gui.explorer.widgets import SteadyLabel


class EventCounter(QObject):
    """Counts events of the given types per watched object; keeps the painted rectangles."""

    def __init__(self, *types: QEvent.Type) -> None:
        super().__init__()
        self.types = types
        self.counts: collections.Counter[QObject] = collections.Counter()
        self.rects: dict[QObject, list[QRect]] = collections.defaultdict(list)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.types:
            self.counts[watched] += 1
            if isinstance(event, QPaintEvent):
                self.rects[watched].append(event.rect())
        return False


def settle(qtbot, state) -> None:
    qtbot.waitUntil(lambda: state.current, timeout=10_000)
    for _ in range(3):
        QApplication.processEvents()


def test_an_edit_paints_each_view_once(explorer, qtbot) -> None:
    settle(qtbot, explorer.state)
    paints = EventCounter(QEvent.Type.Paint)
    viewports = {name: view.viewport() for name, view in explorer.views.items()}
    for viewport in viewports.values():
        viewport.installEventFilter(paints)
    explorer.state.set_batch(from_lengths([4, 9, 2, 6], seed=1))
    settle(qtbot, explorer.state)
    shown = {name: int(explorer.views[name].isVisible()) for name in viewports}
    assert shown == {"padded": 1, "mask": 1, "packed": 1, "jagged": 1, "rows": 0, "row_mask": 0}
    assert {name: paints.counts[v] for name, v in viewports.items()} == shown  # hidden: none


def test_a_new_status_text_repaints_neither_the_views_nor_the_tabs(explorer, qtbot) -> None:
    settle(qtbot, explorer.state)
    paints = EventCounter(QEvent.Type.Paint)
    explorer.padded_view.viewport().installEventFilter(paints)
    explorer.installEventFilter(paints)
    explorer._say("sequence 1, t=2 -> packed row 4")
    for _ in range(3):
        QApplication.processEvents()
    assert explorer.hover_label.text() == "sequence 1, t=2 -> packed row 4"
    assert paints.counts[explorer.padded_view.viewport()] == 0
    # The panel paints its background behind the label only, not the whole tab.
    label_area = explorer.hover_label.geometry()
    label_area.moveTopLeft(explorer.hover_label.mapTo(explorer, QPoint(0, 0)))
    for rect in paints.rects[explorer]:
        assert label_area.contains(rect), (rect, label_area)


def test_steady_label_asks_for_a_layout_only_when_it_needs_more_height(qtbot) -> None:
    tabs = QTabWidget()
    page = QWidget()
    column = QVBoxLayout(page)
    label = SteadyLabel("steady")
    column.addWidget(label)
    column.addStretch(1)
    tabs.addTab(page, "page")
    qtbot.addWidget(tabs)
    tabs.resize(300, 200)
    tabs.show()
    qtbot.waitExposed(tabs)
    for _ in range(3):
        QApplication.processEvents()  # the first layout is done
    requests = EventCounter(QEvent.Type.LayoutRequest)
    tabs.installEventFilter(requests)
    one_line = label.height()
    label.setText("short")
    QApplication.processEvents()
    assert requests.counts[tabs] == 0  # same height: nothing above it is laid out again
    label.setText("a much longer text that cannot fit on one line of this narrow page " * 3)
    qtbot.waitUntil(lambda: label.height() > one_line, timeout=2_000)
    assert label.label.height() == label.height()  # the label fills its container
