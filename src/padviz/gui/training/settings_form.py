"""The training settings: task, model, optimizer, data, seed, device and which runs to train.

The choices (tasks, modes, optimizers, length distributions, devices) and the defaults come
from padviz.core; those modules import torch, so the form fills in once torch is loaded
(padviz.gui.torch_loader), disabled until then. The core validates the config a run gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from padviz.core.limits import MAX_BATCH_SIZE, MAX_LAYERS, MAX_LENGTH, MAX_WIDTH
from padviz.core.options import CELL_NAMES
from padviz.gui.spin_boxes import spin_box
from padviz.gui.theme import current_theme
from padviz.gui.torch_loader import torch_loader

NEXT_TOKEN_HELP = (
    "per token: the next token of real text (a language model over the corpus below; the "
    "target after each sequence's last token is an end-of-sequence id)"
)
CELL_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (tanh)"}
RUN_LABELS = {
    "padded-unmasked": "padded, unmasked loss",
    "padded-masked": "padded, masked loss",
    "packed": "packed",
}
# One colour per run, the same in every plot: theme.series[RUN_COLOR_INDEX[mode]].
RUN_COLOR_INDEX = {"padded-masked": 0, "padded-unmasked": 1, "packed": 2}
LOCKED_HINT = "Settings are locked while a training runs or is paused: Stop to change them."


# Packed is dashed: right-padded, masked and unidirectional, the padded run computes the same
# numbers as packing, and its line must still show under the packed one.
RUN_DASHED = frozenset(("packed",))


def run_color(mode: str) -> str:
    return current_theme().series[RUN_COLOR_INDEX[mode]]


class SettingsForm(QWidget):
    """Edits one TrainConfig (without its mode) and the set of runs (modes) to train."""

    changed = Signal()
    filledIn = Signal()  # the choices and defaults are there (once)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingSettings")
        self._extra: dict[str, Any] = {"num_threads": None, "nan_at_step": None, "lr": 0.0}

        self.task_combo = QComboBox(objectName="taskCombo")
        self.task_help = QLabel(wordWrap=True, objectName="taskHelp")
        self.corpus_combo = QComboBox(objectName="trainingCorpusCombo")
        self.corpus_combo.setToolTip(
            "The text the next-token task learns: Python's own docstrings, or a corpus file "
            "(open one in the Corpus tab, or here)"
        )
        self.corpus_button = QPushButton("File…", objectName="trainingCorpusButton")
        corpus_row = QHBoxLayout()
        corpus_row.setContentsMargins(0, 0, 0, 0)
        corpus_row.addWidget(self.corpus_combo, 1)
        corpus_row.addWidget(self.corpus_button)
        self._corpus_row = QWidget()
        self._corpus_row.setLayout(corpus_row)
        self.run_boxes: dict[str, QCheckBox] = {}
        self.cell_combo = QComboBox(objectName="cellCombo")
        for cell in CELL_NAMES:
            self.cell_combo.addItem(CELL_LABELS[cell], cell)
        self.cell_combo.setToolTip(
            "The recurrent cell: an LSTM keeps a cell state c beside h; a GRU and a plain tanh "
            "RNN keep only h. Padding and packing work the same for all three."
        )
        self.embed_spin = spin_box(1, MAX_WIDTH, 1, "embedSpin")
        self.hidden_spin = spin_box(1, MAX_WIDTH, 1, "hiddenSpin")
        self.layers_spin = spin_box(1, MAX_LAYERS, 1, "layersSpin")
        self.bidirectional_box = QCheckBox("bidirectional", objectName="bidirectionalBox")
        self.optimizer_combo = QComboBox(objectName="optimizerCombo")
        self.batch_spin = spin_box(1, MAX_BATCH_SIZE, 1, "batchSizeSpin")
        self.steps_spin = spin_box(1, 10_000_000, 1, "stepsSpin")
        self.seed_spin = spin_box(0, 2**31 - 1, 0, "seedSpin")
        self.min_len_spin = spin_box(1, MAX_LENGTH, 1, "minLenSpin")
        self.max_len_spin = spin_box(1, MAX_LENGTH, 1, "maxLenSpin")
        self.distribution_combo = QComboBox(objectName="lengthDistributionCombo")
        self.device_combo = QComboBox(objectName="deviceCombo")
        self.device_combo.setToolTip("Where the runs train. " + LOCKED_HINT)
        self.locked_label = QLabel(LOCKED_HINT, wordWrap=True, objectName="lockedHint")
        self.locked_label.setVisible(False)

        runs = QGroupBox("Runs (same data, same initial weights)")
        self._runs_layout = QVBoxLayout(runs)
        model = QGroupBox("Model and optimizer")
        model_form = QFormLayout(model)
        model_form.addRow("cell", self.cell_combo)
        model_form.addRow("embedding", self.embed_spin)
        model_form.addRow("hidden", self.hidden_spin)
        model_form.addRow("layers", self.layers_spin)
        model_form.addRow("", self.bidirectional_box)
        model_form.addRow("optimizer", self.optimizer_combo)
        data = QGroupBox("Data and run")
        data_form = QFormLayout(data)
        data_form.addRow("task", self.task_combo)
        data_form.addRow(self.task_help)
        data_form.addRow("corpus", self._corpus_row)
        self._data_form = data_form
        data_form.addRow("batch size", self.batch_spin)
        data_form.addRow("min length", self.min_len_spin)
        data_form.addRow("max length", self.max_len_spin)
        data_form.addRow("lengths", self.distribution_combo)
        data_form.addRow("steps", self.steps_spin)
        data_form.addRow("seed", self.seed_spin)
        data_form.addRow("device", self.device_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.locked_label, runs, data, model):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._editors: list[QWidget] = [runs, data, model]
        self.setEnabled(False)  # until the choices are there

        self.task_combo.currentIndexChanged.connect(self._show_task_help)
        self.corpus_button.clicked.connect(self._choose_corpus_file)
        self.min_len_spin.valueChanged.connect(
            lambda v: self.max_len_spin.setValue(max(v, self.max_len_spin.value()))
        )
        self.max_len_spin.valueChanged.connect(
            lambda v: self.min_len_spin.setValue(min(v, self.min_len_spin.value()))
        )
        for spin in (
            self.embed_spin,
            self.hidden_spin,
            self.layers_spin,
            self.batch_spin,
            self.steps_spin,
            self.seed_spin,
            self.min_len_spin,
            self.max_len_spin,
        ):
            spin.valueChanged.connect(self.changed)
        for combo in (
            self.task_combo,
            self.corpus_combo,
            self.cell_combo,
            self.optimizer_combo,
            self.distribution_combo,
            self.device_combo,
        ):
            combo.currentIndexChanged.connect(self.changed)
        self.bidirectional_box.toggled.connect(self.changed)
        torch_loader().when_loaded(self._fill)

    @property
    def filled(self) -> bool:
        """Whether the choices and defaults are there (torch is loaded)."""
        return bool(self.run_boxes)

    def _fill(self) -> None:
        """The core's choices and TrainConfig's defaults (their modules import torch)."""
        from padviz.core.corpus import BUILTINS
        from padviz.core.corpus_source import builtin_spec
        from padviz.core.devices import available_devices
        from padviz.core.models import MODES
        from padviz.core.tasks import LENGTH_DISTRIBUTIONS, NEXT_TOKEN, TASKS
        from padviz.core.training import OPTIMIZERS, TrainConfig

        descriptions = {name: task.description for name, task in TASKS.items()}
        descriptions[NEXT_TOKEN] = NEXT_TOKEN_HELP
        for name, description in descriptions.items():
            self.task_combo.addItem(name, name)
            self.task_combo.setItemData(
                self.task_combo.count() - 1, description, Qt.ItemDataRole.ToolTipRole
            )
        self.corpus_combo.addItem("Python's docs (built in)", builtin_spec(BUILTINS[0]))
        for mode in MODES:
            box = QCheckBox(RUN_LABELS.get(mode, mode), objectName=f"run_{mode}")
            box.setChecked(True)
            box.toggled.connect(self.changed)
            self.run_boxes[mode] = box
            self._runs_layout.addWidget(box)
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.distribution_combo.addItems(list(LENGTH_DISTRIBUTIONS))
        for device in available_devices():
            self.device_combo.addItem(f"{device.id} — {device.name}", device.id)
        # Like "auto": the first accelerator when there is one, else the CPU.
        self.device_combo.setCurrentIndex(1 if self.device_combo.count() > 1 else 0)
        defaults = TrainConfig()
        for spin, value in (
            (self.embed_spin, defaults.embed),
            (self.hidden_spin, defaults.hidden),
            (self.layers_spin, defaults.layers),
            (self.batch_spin, defaults.batch_size),
            (self.steps_spin, defaults.steps),
            (self.seed_spin, defaults.seed),
            (self.max_len_spin, defaults.max_len),
            (self.min_len_spin, defaults.min_len),
        ):
            spin.setValue(value)
        self.bidirectional_box.setChecked(defaults.bidirectional)
        self._extra["lr"] = defaults.lr
        self._show_task_help()
        self.setEnabled(True)
        self.filledIn.emit()
        self.changed.emit()

    # -- reading and writing ---------------------------------------------------------------
    def runs(self) -> list[str]:
        return [mode for mode, box in self.run_boxes.items() if box.isChecked()]

    def base_config(self) -> dict[str, Any]:
        """TrainConfig fields (no mode) as the form shows them."""
        return {
            "task": self.task_combo.currentData(),
            "corpus": self.corpus_combo.currentData() if self._next_token() else None,
            "steps": self.steps_spin.value(),
            "device": self.device_combo.currentData(),
            "seed": self.seed_spin.value(),
            "batch_size": self.batch_spin.value(),
            "embed": self.embed_spin.value(),
            "hidden": self.hidden_spin.value(),
            "layers": self.layers_spin.value(),
            "bidirectional": self.bidirectional_box.isChecked(),
            "cell": self.cell_combo.currentData(),
            "optimizer": self.optimizer_combo.currentText(),
            "min_len": self.min_len_spin.value(),
            "max_len": self.max_len_spin.value(),
            "length_distribution": self.distribution_combo.currentText(),
            **self._extra,
        }

    def run_configs(self) -> list[dict[str, Any]]:
        """One config dict per selected run."""
        base = self.base_config()
        return [{**base, "mode": mode} for mode in self.runs()]

    def set_lr(self, lr: float) -> None:
        self._extra["lr"] = lr

    def set_config(self, config: Mapping[str, Any], runs: Sequence[str]) -> list[str]:
        """Show a TrainConfig's fields (its mode is ignored) and select `runs`. Returns a note
        for each value that cannot be shown as given: a device not present here (the first
        one offered is used) or a number beyond its box's range."""
        notes = []
        self._set_combo(self.task_combo, config["task"])
        if config.get("corpus"):
            self.add_corpus(config["corpus"])
        self._set_combo(self.optimizer_combo, config["optimizer"])
        self._set_combo(self.cell_combo, config.get("cell", "lstm"))
        self._set_combo(self.distribution_combo, config["length_distribution"])
        if self.device_combo.findData(config["device"]) >= 0:
            self._set_combo(self.device_combo, config["device"])
        elif config["device"] != "auto":
            notes.append(
                f"device {config['device']} is not present here; "
                f"using {self.device_combo.currentData()}"
            )
        for name, spin in (
            ("embed", self.embed_spin),
            ("hidden", self.hidden_spin),
            ("layers", self.layers_spin),
            ("batch_size", self.batch_spin),
            ("steps", self.steps_spin),
            ("seed", self.seed_spin),
            ("max_len", self.max_len_spin),
            ("min_len", self.min_len_spin),
        ):
            value = int(config[name])
            spin.setValue(min(max(value, spin.minimum()), spin.maximum()))  # Qt's are int32
            if spin.value() != value:
                notes.append(
                    f"{name} {config[name]} is more than its box takes; using {spin.value()}"
                )
        self.bidirectional_box.setChecked(bool(config["bidirectional"]))
        for mode, box in self.run_boxes.items():
            box.setChecked(mode in runs)
        self._extra = {name: config.get(name) for name in ("num_threads", "nan_at_step")}
        self._extra["lr"] = float(config["lr"])
        self.changed.emit()
        return notes

    def set_locked(self, locked: bool) -> None:
        """Lock every setting (a training runs or is paused); the hint says why."""
        for editor in self._editors:
            editor.setEnabled(not locked)
        self.locked_label.setVisible(locked)

    def _set_combo(self, combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index < 0:
            index = combo.findText(str(value))
        if index < 0:
            raise ValueError(f"{value!r} is not offered by {combo.objectName()}")
        combo.setCurrentIndex(index)

    def _show_task_help(self) -> None:
        self.task_help.setText(self.task_combo.currentData(Qt.ItemDataRole.ToolTipRole) or "")
        self._data_form.setRowVisible(self._corpus_row, self._next_token())

    def _next_token(self) -> bool:
        return self.task_combo.currentData() == "next-token"

    def add_corpus(self, spec: str) -> None:
        """Offer (and choose) a corpus for the next-token task: a file's path, or a builtin."""
        index = self.corpus_combo.findData(spec)
        if index < 0:
            self.corpus_combo.addItem(Path(spec).name, spec)
            index = self.corpus_combo.count() - 1
            self.corpus_combo.setItemData(index, spec, Qt.ItemDataRole.ToolTipRole)
        self.corpus_combo.setCurrentIndex(index)

    def _choose_corpus_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Corpus for the next-token task", "", "Corpus (*.txt *.jsonl *.csv);;All (*)"
        )
        if path:
            self.add_corpus(path)
