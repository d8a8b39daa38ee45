"""The Training tab: train LSTMs live, masked and unmasked loss side by side, on CPU or GPU.

Layout: the settings on the left; on the right the controls, the two loss plots (masked left,
unmasked right), the numbers per run and the hidden-state truth view. Training runs in a worker
process (TrainingController); this panel turns its state into enabled buttons and its curves
into plots. Shortcuts while the tab is shown: Space start / pause, S step, R reset (a text
field being typed in keeps its keys).
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from padviz.gui.state import AppState
from padviz.gui.theme import Theme, current_theme, theme_notifier
from padviz.gui.training.controller import RunState, TrainingController
from padviz.gui.training.files import TrainingFiles
from padviz.gui.training.hidden_view import HiddenStateView
from padviz.gui.training.metrics import MetricsTable
from padviz.gui.training.plots import LossPlot
from padviz.gui.training.settings_form import (
    CONTAMINATED_NOTE,
    CONTAMINATED_RUN,
    RUN_DASHED,
    RUN_LABELS,
    SettingsForm,
    run_color,
)

METRICS_INTERVAL_S = 0.1  # the table's text changes at most 10 times a second
HIDDEN_LIVE_MS = 2000  # while training, the hidden-state view follows the weights this often
PRESENTATION_PLOT_SHARE = 0.45  # of the height for the plots beside a called-out truth view
PROGRESS_TEMPLATE = "finished · step 10000000 of 10000000 · 10000 steps/s per run"


class TrainingPanel(TrainingFiles, QWidget):
    """The Training tab. Public: start(), pause_toggled(bool), step(), stop(), reset(),
    set_training(config, runs), apply_lesson(spec), set_presentation(on), shutdown(), and
    the file operations of TrainingFiles (padviz.gui.training.files)."""

    statusMessage = Signal(str)
    # the runs' latest numbers changed (at most ~10 times a second); True: more are coming
    resultsChanged = Signal(bool)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.state = state
        self.controller = TrainingController(self)
        self._curves_saved = True  # no new step since the curves were last saved (or none)
        self.controller.recordsAdded.connect(self._curves_changed)
        self.form = SettingsForm()
        self._metrics_at = 0.0
        self._hidden_stale = True
        self._last_redrawn: LossPlot | None = None
        self._presenting = False
        self._called_out: frozenset[str] = frozenset()  # what the lesson step calls out

        # controls
        self.start_button = QPushButton("Start", objectName="startButton")
        self.pause_button = QPushButton("Pause", objectName="pauseButton", checkable=True)
        self.step_button = QPushButton("Step", objectName="stepButton")
        self.stop_button = QPushButton("Stop", objectName="stopButton")
        self.reset_button = QPushButton("Reset", objectName="resetButton")
        for button, tip in (
            (self.start_button, "Start training the selected runs (Space)"),
            (self.pause_button, "Pause or resume (Space)"),
            (self.step_button, "Exactly one step of every run, also while paused (S)"),
            (self.stop_button, "End the training; the curves stay"),
            (
                self.reset_button,
                ("Clear the curves; the runs restart from the same initial weights and data (R)"),
            ),
        ):
            button.setToolTip(tip)
        self.lr_spin = QDoubleSpinBox(
            objectName="lrSpin",
            decimals=5,
            minimum=1e-5,
            maximum=10.0,
            singleStep=0.001,
            keyboardTracking=False,
        )
        self.lr_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.setAccessibleName("learning rate")
        self.lr_spin.setToolTip("Learning rate: applies from the next step, also while training")
        self.progress_label = QLabel(objectName="progressLabel")
        self._fix_progress_width()
        self.status_label = QLabel(objectName="statusLabel", wordWrap=True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # may quote a remote's stderr
        self.remote_label = QLabel(objectName="remoteLabel")  # a remote worker's host, latency
        self.remote_label.setTextFormat(Qt.TextFormat.PlainText)
        self.remote_label.setVisible(False)
        self._remote_shown_at = 0.0
        self.fault_label = QLabel(objectName="faultLabel", wordWrap=True)
        self.fault_label.setVisible(False)

        # views
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal, objectName="smoothingSlider")
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(60)
        self.smoothing_slider.setToolTip("EMA smoothing of the lines (the raw values stay faint)")
        self.smoothing_label = QLabel()
        self.log_y_box = QCheckBox("log y", objectName="logYBox")
        self.masked_plot = LossPlot(
            "Masked loss: real tokens only", "masked_loss", "maskedLossPlot"
        )
        self.unmasked_plot = LossPlot(
            "Unmasked loss: pads counted too", "unmasked_loss", "unmaskedLossPlot"
        )
        self.plots = (self.masked_plot, self.unmasked_plot)
        self._dirty: dict[LossPlot, set[int]] = {plot: set() for plot in self.plots}
        self.metrics = MetricsTable()
        # what the cross-contaminated transformer run's loss is (shown while it is on screen)
        self.contamination_note = QLabel(objectName="contaminationNote", wordWrap=True)
        self.contamination_note.setVisible(False)
        self._truth_applies = True  # the model on screen is recurrent: the truth view is its
        self.hidden_view = HiddenStateView()

        self._build_layout()
        self._connect()
        self._shortcuts = self._make_shortcuts()
        self._hidden_debounce = QTimer(self, singleShot=True, interval=150)
        self._hidden_debounce.timeout.connect(self._request_hidden)
        self._hidden_live = QTimer(self, interval=HIDDEN_LIVE_MS)
        self._hidden_live.timeout.connect(self._request_hidden)
        self._show_session()
        self._state_changed(self.controller.state.value)
        self._smoothing_changed(self.smoothing_slider.value())
        if self.form.filled:
            self._form_filled()
        else:  # torch is loading: the form fills in soon
            self.form.filledIn.connect(self._form_filled)

    def _form_filled(self) -> None:
        self.lr_spin.setValue(self.form.base_config()["lr"])
        if self._hidden_stale and self.isVisible():
            self._hidden_debounce.start()

    # -- layout ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        controls = QHBoxLayout()
        for button in (
            self.start_button,
            self.pause_button,
            self.step_button,
            self.stop_button,
            self.reset_button,
        ):
            controls.addWidget(button)
        controls.addSpacing(12)
        controls.addWidget(QLabel("learning rate"))
        controls.addWidget(self.lr_spin)
        controls.addStretch(1)
        view_bar = QHBoxLayout()
        self._smoothing_title = QLabel("smoothing")
        view_bar.addWidget(self._smoothing_title)
        view_bar.addWidget(self.smoothing_slider)
        view_bar.addWidget(self.smoothing_label)
        view_bar.addSpacing(12)
        view_bar.addWidget(self.log_y_box)
        view_bar.addStretch(1)
        view_bar.addWidget(self.status_label, 3)

        self.plots_box = QWidget(objectName="lossPlots")
        plots_row = QHBoxLayout(self.plots_box)
        plots_row.setContentsMargins(0, 0, 0, 0)
        plots_row.addWidget(self.masked_plot)
        plots_row.addWidget(self.unmasked_plot)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(view_bar)
        top_layout.addWidget(self.plots_box, 1)
        top_layout.addWidget(self.contamination_note)
        top_layout.addWidget(self.metrics)
        self.views_splitter = QSplitter(Qt.Orientation.Vertical)
        self.views_splitter.addWidget(top)
        self.views_splitter.addWidget(self.hidden_view)
        self.views_splitter.setStretchFactor(0, 3)
        self.views_splitter.setStretchFactor(1, 2)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.progress_label)  # its own line: on a narrow screen too
        right_layout.addWidget(self.remote_label)
        right_layout.addWidget(self.fault_label)
        right_layout.addWidget(self.views_splitter, 1)

        self.settings_area = QScrollArea(objectName="trainingSettingsArea")
        self.settings_area.setWidget(self.form)
        self.settings_area.setWidgetResizable(True)
        self.settings_area.setFrameShape(QFrame.Shape.NoFrame)
        self.settings_area.setMinimumWidth(self.form.sizeHint().width() + 24)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.settings_area)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        c = self.controller
        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self.pause_toggled)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset)
        self.lr_spin.valueChanged.connect(self._lr_changed)
        self.smoothing_slider.valueChanged.connect(self._smoothing_changed)
        self.log_y_box.toggled.connect(lambda on: [p.set_log_y(on) for p in self.plots])
        self.form.changed.connect(self._form_changed)
        c.stateChanged.connect(self._state_changed)
        c.sessionChanged.connect(self._show_session)
        c.recordsAdded.connect(self._records_added)
        c.polled.connect(self._redraw)
        c.polled.connect(self._show_remote)
        self.form.remote_devices.targetChanged.connect(c.set_remote)
        c.runFaulted.connect(lambda _run, _message: self._show_faults())
        c.statusMessage.connect(self.show_status)
        c.hiddenReady.connect(self.hidden_view.show_truth)
        c.hiddenFailed.connect(self.hidden_view.show_error)
        self.hidden_view.weightsChanged.connect(self._schedule_hidden)
        self.hidden_view.refreshRequested.connect(self._request_hidden)
        self.state.changed.connect(self._schedule_hidden)
        theme_notifier().themeChanged.connect(self.apply_theme)

    def _make_shortcuts(self) -> list[QShortcut]:
        shortcuts = []
        for key, slot in (
            (Qt.Key.Key_Space, self.start_or_pause),
            (Qt.Key.Key_S, self.step),
            (Qt.Key.Key_R, self.reset),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            shortcuts.append(shortcut)
        return shortcuts

    # -- commands --------------------------------------------------------------------------
    def start(self) -> None:
        configs = self.form.run_configs()
        if not configs:
            self.show_status("error: select at least one run to train")
            return
        self.controller.start(configs)

    def pause_toggled(self, paused: bool) -> None:
        if paused:
            self.controller.pause()
        else:
            self.controller.resume()

    def start_or_pause(self) -> None:
        """Space: start when nothing runs, else pause or resume."""
        if self.controller.state in (RunState.RUNNING, RunState.PAUSED):
            self.pause_button.toggle()
        else:
            self.start()

    def step(self) -> None:
        configs = self.form.run_configs()
        if not configs and self.controller.state is not RunState.PAUSED:
            self.show_status("error: select at least one run to train")
            return
        self.controller.step(configs)

    def stop(self) -> None:
        self.controller.stop()

    def reset(self) -> None:
        self.controller.reset()

    def shutdown(self) -> None:
        """Stop every worker and timer (the window is closing)."""
        self._hidden_live.stop()
        self._hidden_debounce.stop()
        self.controller.shutdown()

    def set_training(self, config: Any, runs: Sequence[str]) -> list[str]:
        """Show a training config (a TrainConfig or its dict; mode ignored) with these runs.
        Ends a running or paused training first, since its settings are locked. Returns the
        notes of SettingsForm.set_config (what could not be shown as given)."""
        data = config.to_dict() if hasattr(config, "to_dict") else dict(config)
        if self.controller.state in (RunState.RUNNING, RunState.PAUSED):
            self.controller.stop()
        notes = self.form.set_config(data, runs)
        self.lr_spin.setValue(float(data["lr"]))
        return notes

    def apply_lesson(self, spec: Any) -> None:
        """A lesson step's training (padviz.core.lessons.TrainingSpec: config and runs)."""
        self.set_training(spec.config, spec.runs)

    def run_results(self) -> dict[str, dict[str, float]]:
        """mode -> latest step, losses and accuracy of each run on screen that was trained with
        the settings the form shows (what a lesson caption quotes)."""
        from padviz.core.captions import latest_results

        c = self.controller
        wanted = {config["mode"]: config for config in self.form.run_configs()}
        held = zip(c.runs, c.configs, c.curves, strict=True)
        return latest_results({m: curves for m, cfg, curves in held if wanted.get(m) == cfg})

    def hidden_pending(self) -> bool:
        """Whether the truth view is about to ask for, or waits for, the hidden states."""
        return self._hidden_debounce.isActive() or self.controller.hidden_pending

    def set_presentation(self, on: bool) -> None:
        """Hide the settings and the view controls so the plots fill the tab; the truth view
        gives way too, unless a lesson step calls it out (`show_secondary`)."""
        self._presenting = on
        self.settings_area.setVisible(not on)
        for widget in (self._smoothing_title, self.smoothing_slider, self.smoothing_label):
            widget.setVisible(not on)
        self.log_y_box.setVisible(not on)
        self.metrics.set_compact(on)
        self._show_secondaries()

    def show_secondary(self, names: Sequence[str]) -> None:
        """The widgets a lesson step calls out (object names): in presentation the truth view
        is shown only when named, and then gets more of the height than the plots."""
        self._called_out = frozenset(names)
        self._show_secondaries()

    def _recurrent_shown(self) -> bool:
        """Whether the runs on screen (or, with none, the form) are of a recurrent model: the
        hidden-state truth view is theirs (a transformer keeps no hidden state)."""
        c = self.controller
        if c.configs and c.state is not RunState.IDLE:
            return c.configs[0].get("model", "lstm") == "lstm"
        return not self.form.filled or self.form.model() == "lstm"

    def _show_secondaries(self) -> None:
        self._truth_applies = self._recurrent_shown()
        truth = self._truth_applies and (
            not self._presenting or "hiddenStateView" in self._called_out
        )
        self.hidden_view.setVisible(truth)
        if not truth:
            return
        total = sum(self.views_splitter.sizes()) or 1000
        share = PRESENTATION_PLOT_SHARE if self._presenting else 0.6
        self.views_splitter.setSizes([round(total * share), round(total * (1 - share))])

    # -- reacting --------------------------------------------------------------------------
    def _state_changed(self, value: str) -> None:
        state = RunState(value)
        live = state in (RunState.RUNNING, RunState.PAUSED)
        has_runs = bool(self.form.runs())
        self.start_button.setEnabled(not live and has_runs)
        self.pause_button.setEnabled(live)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(state is RunState.PAUSED)
        self.pause_button.blockSignals(False)
        self.pause_button.setText("Resume" if state is RunState.PAUSED else "Pause")
        self.step_button.setEnabled(live or has_runs)
        self.stop_button.setEnabled(live)
        self.reset_button.setEnabled(state is not RunState.IDLE)
        self.form.set_locked(live)
        self._update_progress()
        if state is RunState.RUNNING:
            if self.isVisible():
                self._hidden_live.start()
        else:
            self._hidden_live.stop()
            self._redraw(all_plots=True)
            self._schedule_hidden()
            self.resultsChanged.emit(False)

    def _show_session(self) -> None:
        """Set the plots, table and weights choice up for the controller's runs."""
        runs = self.controller.runs
        labels = [RUN_LABELS.get(mode, mode) for mode in runs]
        colors = [run_color(mode) for mode in runs]
        dashed = [mode in RUN_DASHED for mode in runs]
        self._dirty = {plot: set() for plot in self.plots}
        for plot in self.plots:
            plot.set_runs(labels, colors, self.controller.curves, dashed)
        self.metrics.show_runs(labels, colors)
        self.hidden_view.set_runs(labels)
        self._show_contamination_note()
        if self._recurrent_shown() != self._truth_applies:
            self._show_secondaries()
        self._show_faults()
        self.resultsChanged.emit(False)

    def _records_added(self, runs: set[int]) -> None:
        for dirty in self._dirty.values():
            dirty |= runs
        if self.controller.state is not RunState.RUNNING:
            self._redraw(all_plots=True)

    def _redraw(self, all_plots: bool = False) -> None:
        """Redraw the plots with new points. While training, one plot per poll, in turns: each
        plot still redraws at ~15 Hz, and a frame of the GUI costs half as much."""
        waiting = [p for p in self.plots if self._dirty[p]]
        if not all_plots and len(waiting) > 1:
            waiting = [p for p in waiting if p is not self._last_redrawn][:1]
        for plot in waiting:
            plot.update_runs(self._dirty[plot])
            self._dirty[plot] = set()
            self._last_redrawn = plot
        now = time.monotonic()
        if waiting and (all_plots or now - self._metrics_at >= METRICS_INTERVAL_S):
            self._metrics_at = now
            self.metrics.refresh(self.controller.curves, self.controller.steps_per_s)
            self._update_progress()
            self.resultsChanged.emit(self.controller.state is RunState.RUNNING)

    def _show_contamination_note(self) -> None:
        runs = self.controller.runs or self.form.runs()
        shown = CONTAMINATED_RUN in runs
        if shown:
            # colours in the text, not a style sheet: a styled label keeps its font when
            # presentation mode scales the application's
            self.contamination_note.setText(
                f"<span style='color:{run_color(CONTAMINATED_RUN)}'>■</span> "
                f"<span style='color:{current_theme().muted}'>"
                f"<b>{RUN_LABELS[CONTAMINATED_RUN]}</b>: {CONTAMINATED_NOTE}</span>"
            )
        self.contamination_note.setVisible(shown)

    def _show_faults(self) -> None:
        faults = self.controller.faults
        lines = [
            f"<span style='color:{run_color(self.controller.runs[run])}'>■</span> "
            f"{RUN_LABELS.get(self.controller.runs[run], '')}: {html.escape(text)}"
            for run, text in sorted(faults.items())
        ]
        self.fault_label.setStyleSheet(f"color: {current_theme().error}")
        self.fault_label.setText("<br>".join(lines))
        self.fault_label.setVisible(bool(lines))

    def _update_progress(self) -> None:
        c = self.controller
        steps = [int(curves.last("step")) for curves in c.curves if len(curves)]
        total = c.configs[0]["steps"] if c.configs else self.form.base_config()["steps"]
        text = c.state.value
        if steps:
            text += f" · step {max(steps)} of {total}"
        rate = max(c.steps_per_s, default=0.0)
        if c.state is RunState.RUNNING and rate > 0:
            text += f" · {rate:.0f} steps/s per run"
        self.progress_label.setText(text)

    def _show_remote(self) -> None:
        """The remote worker's host and latency, once a second (nothing for a local one)."""
        now = time.monotonic()
        if now - self._remote_shown_at < 1.0:
            return
        self._remote_shown_at = now
        text = self.controller.remote_status()
        self.remote_label.setVisible(text is not None)
        if text is not None:
            self.remote_label.setText(text)

    def show_status(self, message: str) -> None:
        color = current_theme().error if message.startswith("error") else current_theme().muted
        self.status_label.setStyleSheet(f"color: {color}")
        self.status_label.setText(message)
        self.statusMessage.emit(message)

    def _lr_changed(self, lr: float) -> None:
        self.form.set_lr(lr)
        self.controller.set_lr(lr)

    def _smoothing_changed(self, value: int) -> None:
        smoothing = value / 100.0
        self.smoothing_label.setText(f"{smoothing:.2f}")
        for plot in self.plots:
            plot.set_smoothing(smoothing)

    def _form_changed(self) -> None:
        self._state_changed(self.controller.state.value)
        if self._recurrent_shown() != self._truth_applies:
            self._show_secondaries()
        if not self.controller.runs:
            self._show_contamination_note()

    def apply_theme(self, theme: Theme) -> None:
        for plot in self.plots:
            plot.apply_theme(theme)
        self.hidden_view.apply_theme(theme)
        self._show_session()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            for plot in self.plots:
                plot.apply_font(self.font())
            self._fix_progress_width()
        super().changeEvent(event)

    def _fix_progress_width(self) -> None:
        """A fixed-size label: its text changes many times a second, and a label whose size
        may change makes Qt lay out and repaint the whole window each time."""
        metrics = self.progress_label.fontMetrics()
        self.progress_label.setFixedSize(
            metrics.horizontalAdvance(PROGRESS_TEMPLATE), metrics.height() + 4
        )

    # -- hidden-state view -----------------------------------------------------------------
    def _schedule_hidden(self) -> None:
        self._hidden_stale = True
        if self.isVisible():
            self._hidden_debounce.start()

    def _request_hidden(self) -> None:
        if not self.isVisible() or not self.form.filled:
            self._hidden_stale = True
            return
        self._hidden_stale = False
        if not self._recurrent_shown():
            return
        run = self.hidden_view.weights_run()
        c = self.controller
        if run is not None and run < len(c.configs) and c.state is not RunState.IDLE:
            config = c.configs[run]
        else:
            runs = self.form.runs() or ["packed"]
            config = {**self.form.base_config(), "mode": runs[0]}
        self.controller.request_hidden(self.state.batch.sequences, run, config)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(True)
        if self._hidden_stale:
            self._hidden_debounce.start()
        if self.controller.state is RunState.RUNNING:
            self._hidden_live.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
        self._hidden_live.stop()
