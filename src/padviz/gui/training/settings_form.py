"""The training settings: task, model, optimizer, data, seed, device and which runs to train.

The model combo picks the recurrent network (its cell below) or the tiny causal transformer;
each has its own modes, so the run boxes, and the settings shown, follow it.

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
from padviz.core.options import CELL_NAMES, MODEL_NAMES
from padviz.gui.remote_devices import RemoteDevices
from padviz.gui.spin_boxes import spin_box
from padviz.gui.theme import current_theme
from padviz.gui.torch_loader import torch_loader

NEXT_TOKEN_HELP = (
    "per token: the next token of real text (a language model over the corpus below; the "
    "target after each sequence's last token is an end-of-sequence id)"
)
CELL_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (tanh)"}
MODEL_LABELS = {"lstm": "recurrent (cell below)", "transformer": "transformer (causal LM)"}
RUN_LABELS = {
    "padded-unmasked": "padded, unmasked loss",
    "padded-masked": "padded, masked loss",
    "packed": "packed",
    "padded": "padded",
    "packed-rows": "packed rows",
    "packed-rows-unmasked": "rows, no mask *",  # * the panel's note: not comparable
}
# The run whose loss is not comparable (it sees other sequences' tokens): the panel says so.
CONTAMINATED_RUN = "packed-rows-unmasked"
# One colour per run, the same in every plot: theme.series[RUN_COLOR_INDEX[mode]]; the
# transformer's runs take the colours of their recurrent counterparts (right, wrong, packed).
RUN_COLOR_INDEX = {
    "padded-masked": 0,
    "padded-unmasked": 1,
    "packed": 2,
    "padded": 0,
    CONTAMINATED_RUN: 1,
    "packed-rows": 2,
}
LOCKED_HINT = "Settings are locked while a training runs or is paused: Stop to change them."
CONTAMINATED_NOTE = (
    "its loss is not comparable with the others: without the document (block-diagonal) mask "
    "each sequence attends to the sequences before it in its row, and its positions run on, "
    "so it sees other sequences' tokens."
)


# Packed is dashed: right-padded, masked and unidirectional, the padded run computes the same
# numbers as packing, and its line must still show under the packed one.
# Likewise packed-rows: with the document mask it computes what the padded transformer does.
RUN_DASHED = frozenset(("packed", "packed-rows"))


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
        self.model_combo = QComboBox(objectName="modelCombo")
        for model in MODEL_NAMES:
            self.model_combo.addItem(MODEL_LABELS[model], model)
        self.model_combo.setToolTip(
            "The recurrent network (LSTM, GRU or RNN: padded or packed), or a tiny causal "
            "transformer language model (padded, or row-packed with and without the document "
            "mask). Each model has its own runs."
        )
        self.heads_spin = spin_box(1, MAX_WIDTH, 2, "headsSpin")
        self.heads_spin.setToolTip("Attention heads; they must divide the embedding size")
        self.positions_combo = QComboBox(objectName="positionsCombo")
        self.positions_combo.setToolTip(
            "Position embedding, looked up by position id: learned, or the fixed sinusoidal table"
        )
        self.row_length_spin = spin_box(0, MAX_LENGTH, 0, "rowLengthSpin")
        self.row_length_spin.setSpecialValueText("max length")
        self.row_length_spin.setToolTip(
            "The packed rows' length (at least the max length, so every sequence fits a row)"
        )
        self.algorithm_combo = QComboBox(objectName="packingAlgorithmCombo")
        self.algorithm_combo.setToolTip(
            "greedy: sequences in the given order, a new row when the next does not fit; "
            "ffd: longest first, each into the first row with room"
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
        self.remote_devices = RemoteDevices(self.device_combo, self)  # "Remote…" and its devices
        self.locked_label = QLabel(LOCKED_HINT, wordWrap=True, objectName="lockedHint")
        self.locked_label.setVisible(False)

        runs = QGroupBox("Runs (same data, same initial weights)")
        self._runs_layout = QVBoxLayout(runs)
        model = QGroupBox("Model and optimizer")
        model_form = QFormLayout(model)
        model_form.addRow("model", self.model_combo)
        model_form.addRow("cell", self.cell_combo)
        model_form.addRow("embedding", self.embed_spin)
        model_form.addRow("hidden", self.hidden_spin)
        model_form.addRow("layers", self.layers_spin)
        model_form.addRow("", self.bidirectional_box)
        model_form.addRow("heads", self.heads_spin)
        model_form.addRow("positions", self.positions_combo)
        model_form.addRow("row length", self.row_length_spin)
        model_form.addRow("packing", self.algorithm_combo)
        model_form.addRow("optimizer", self.optimizer_combo)
        self._model_form = model_form
        self._recurrent_rows: list[QWidget] = [self.cell_combo, self.bidirectional_box]
        self._transformer_rows: list[QWidget] = [
            self.heads_spin,
            self.positions_combo,
            self.row_length_spin,
            self.algorithm_combo,
        ]
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
        self.model_combo.currentIndexChanged.connect(self._show_model)
        for spin in (
            self.heads_spin,
            self.row_length_spin,
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
            self.model_combo,
            self.positions_combo,
            self.algorithm_combo,
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
        from padviz.core.models import ALL_MODES
        from padviz.core.row_packing import ALGORITHMS
        from padviz.core.tasks import LENGTH_DISTRIBUTIONS, NEXT_TOKEN, TASKS
        from padviz.core.training import OPTIMIZERS, TrainConfig
        from padviz.core.transformer import MAX_HEADS, POSITIONS

        descriptions = {name: task.description for name, task in TASKS.items()}
        descriptions[NEXT_TOKEN] = NEXT_TOKEN_HELP
        for name, description in descriptions.items():
            self.task_combo.addItem(name, name)
            self.task_combo.setItemData(
                self.task_combo.count() - 1, description, Qt.ItemDataRole.ToolTipRole
            )
        self.corpus_combo.addItem("Python's docs (built in)", builtin_spec(BUILTINS[0]))
        self._per_token = {name for name, task in TASKS.items() if task.per_token} | {NEXT_TOKEN}
        self._first_per_token = next(name for name, task in TASKS.items() if task.per_token)
        for mode in ALL_MODES:
            box = QCheckBox(RUN_LABELS.get(mode, mode), objectName=f"run_{mode}")
            box.setChecked(True)
            box.toggled.connect(self.changed)
            self.run_boxes[mode] = box
            self._runs_layout.addWidget(box)
        if CONTAMINATED_RUN in self.run_boxes:
            self.run_boxes[CONTAMINATED_RUN].setToolTip(CONTAMINATED_NOTE)
        self.heads_spin.setMaximum(MAX_HEADS)
        self.positions_combo.addItems(list(POSITIONS))
        self.algorithm_combo.addItems(list(ALGORITHMS))
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.distribution_combo.addItems(list(LENGTH_DISTRIBUTIONS))
        for device in available_devices():
            self.device_combo.addItem(f"{device.id} — {device.name}", device.id)
        # Like "auto": the first accelerator when there is one, else the CPU.
        self.device_combo.setCurrentIndex(1 if self.device_combo.count() > 1 else 0)
        self.remote_devices.install()
        defaults = TrainConfig()
        for spin, value in (
            (self.heads_spin, defaults.heads),
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
        self._show_model()
        self.setEnabled(True)
        self.filledIn.emit()
        self.changed.emit()

    # -- reading and writing ---------------------------------------------------------------
    def runs(self) -> list[str]:
        """The chosen runs of the chosen model."""
        return [mode for mode in self.model_modes() if self.run_boxes[mode].isChecked()]

    def model(self) -> str:
        return str(self.model_combo.currentData())

    def model_modes(self) -> list[str]:
        """The modes (runs) the chosen model trains in, in the order the core lists them."""
        if not self.filled:  # before torch is loaded: core.models imports it (GUI thread)
            return []
        from padviz.core.models import MODEL_MODES

        return list(MODEL_MODES[self.model()])

    def base_config(self) -> dict[str, Any]:
        """TrainConfig fields (no mode) as the form shows them."""
        transformer = self.model() == "transformer"
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
            "bidirectional": self.bidirectional_box.isChecked() and not transformer,
            "cell": self.cell_combo.currentData(),
            "model": self.model(),
            "heads": self.heads_spin.value(),
            "positions": self.positions_combo.currentText(),
            "row_length": self.row_length_spin.value() or None,
            "algorithm": self.algorithm_combo.currentText(),
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
        self._set_combo(self.model_combo, config.get("model", "lstm"))
        self._set_combo(self.positions_combo, config.get("positions", "learned"))
        self._set_combo(self.algorithm_combo, config.get("algorithm", "greedy"))
        self.row_length_spin.setValue(min(int(config.get("row_length") or 0), MAX_LENGTH))
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
            ("heads", self.heads_spin),
        ):
            if name not in config:  # a config from before the setting existed
                continue
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

    def _show_model(self) -> None:
        """Show the chosen model's settings and runs (all of them checked: a comparison); the
        transformer takes per-token tasks only, so the others are greyed out for it."""
        if not self.filled:
            return
        transformer = self.model() == "transformer"
        for widget in self._recurrent_rows:
            self._model_form.setRowVisible(widget, not transformer)
        for widget in self._transformer_rows:
            self._model_form.setRowVisible(widget, transformer)
        wanted = self.model_modes()
        for mode, box in self.run_boxes.items():
            box.setVisible(mode in wanted)
        tasks = self.task_combo.model()
        for row in range(self.task_combo.count()):
            item = tasks.item(row)  # a QStandardItemModel's
            item.setEnabled(not transformer or self.task_combo.itemData(row) in self._per_token)
        if transformer and self.task_combo.currentData() not in self._per_token:
            self._set_combo(self.task_combo, self._first_per_token)

    def default_run(self) -> str:
        """The run a session of no chosen run is saved with: the model's last (packed) one."""
        modes = self.model_modes()
        return modes[-1] if modes else "packed"

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
