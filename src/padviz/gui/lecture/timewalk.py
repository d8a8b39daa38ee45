"""The packed-time walk: play the LSTM's steps through a PackedSequence, one time step at a
time, or scrub to any step. The owner lights the cells of each step (`timeChanged`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

if TYPE_CHECKING:
    from padviz.core.document import Document

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0)  # time steps per second
DEFAULT_SPEED = 1.0
HINT = "Play walks the LSTM through the packed batch, one time step at a time."
PRESENTING_CAPTION_SCALE = 1.3  # the caption's font in presentation, relative to the interface


class TimeWalk(QWidget):
    """Play / pause, speed, a slider over the packed time steps and a caption such as
    "t=4: 3 sequences still running (packed rows 9-11), batch_sizes[4] = 3"."""

    timeChanged = Signal(object)  # int, or None when nothing is lit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeWalk")
        self.document: Document | None = None
        self.time: int | None = None
        self._presenting = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.advance)

        self.play_button = QPushButton("▶  Play")
        self.play_button.setObjectName("timePlayButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play or pause the walk through time")
        self.play_button.toggled.connect(self.set_playing)
        self.speed = QComboBox()
        self.speed.setObjectName("timeSpeedCombo")
        self.speed.setToolTip("Time steps per second")
        for steps in SPEEDS:
            self.speed.addItem(f"{steps:g} step/s", steps)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed.currentIndexChanged.connect(self._speed_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeSlider")
        self.slider.setToolTip("Scrub through the packed time steps")
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self.set_time)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("timeClearButton")
        self.clear_button.setToolTip("Stop and unlight the time step")
        self.clear_button.clicked.connect(lambda: self.set_time(None))
        self.caption = QLabel(HINT)
        self.caption.setObjectName("timeCaptionLabel")
        self.caption.setWordWrap(True)  # a narrow window wraps it instead of growing

        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(self.play_button)
        row.addWidget(self.speed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.clear_button)
        row.addWidget(self.caption, 2)
        self._apply_caption_font()
        self.set_document(None)

    @property
    def steps(self) -> int:
        return 0 if self.document is None else self.document.time_steps

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_document(self, document: Document | None) -> None:
        """Follow a new document; the lit time step stays if the new batch still has it."""
        self.document = document
        steps = self.steps
        for widget in (self.play_button, self.slider, self.speed, self.clear_button):
            widget.setEnabled(steps > 0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(steps - 1, 0))
        self.slider.blockSignals(False)
        keep = self.time if self.time is not None and self.time < steps else None
        if keep is None:
            self.set_playing(False)
        self.set_time(keep, force=True)

    def set_time(self, t: int | None, *, force: bool = False) -> None:
        """Light time step t (None: nothing) and say what happens there."""
        if t is not None and not 0 <= t < self.steps:
            t = None
        if t is None and self.playing:
            self.set_playing(False)
        if t == self.time and not force:
            return
        self.time = t
        if t is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(t)
            self.slider.blockSignals(False)
        self.caption.setText(self._words())
        self.timeChanged.emit(t)

    def _words(self) -> str:
        if self.document is None:
            return HINT
        if self.steps == 0:
            return self.document.time_caption(0)  # why there is nothing to walk
        return HINT if self.time is None else self.document.time_caption(self.time)

    # -- playing ---------------------------------------------------------------------------------
    def set_playing(self, on: bool) -> None:
        on = on and self.steps > 0
        if on and not self.playing:
            if self.time is None or self.time >= self.steps - 1:
                self.set_time(0)
            self.timer.start(self._interval_ms())
        elif not on:
            self.timer.stop()
        self.play_button.blockSignals(True)
        self.play_button.setChecked(on)
        self.play_button.blockSignals(False)
        self.play_button.setText("❚❚  Pause" if on else "▶  Play")

    def advance(self) -> None:
        """One time step on; the walk pauses on the last step."""
        if self.time is None:
            self.set_time(0)
        elif self.time + 1 < self.steps:
            self.set_time(self.time + 1)
        if self.time is not None and self.time >= self.steps - 1:
            self.set_playing(False)

    def _interval_ms(self) -> int:
        return round(1000 / self.speed.currentData())

    def _speed_changed(self) -> None:
        if self.playing:
            self.timer.setInterval(self._interval_ms())

    def hideEvent(self, event) -> None:
        self.set_playing(False)  # no timer runs for a walk nobody sees
        super().hideEvent(event)

    # -- look ------------------------------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        """The speed and Clear are set-up controls; play and the slider stay for the talk, and
        the caption (what happens at t) grows: on a walk slide it is the headline."""
        self.speed.setVisible(not on)
        self.clear_button.setVisible(not on)
        self._presenting = on
        self._apply_caption_font()

    def _apply_caption_font(self) -> None:
        font = QFont(self.font())
        font.setBold(True)
        if self._presenting:
            font.setPointSizeF(font.pointSizeF() * PRESENTING_CAPTION_SCALE)
        self.caption.setFont(font)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_caption_font()
        super().changeEvent(event)
