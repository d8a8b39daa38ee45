"""Batches from the core's generator."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from padviz.core.batch import (
    BATCH_CAP,
    DISTRIBUTIONS,
    MAX_LENGTH_CAP,
    BatchError,
    GeneratorSpec,
    generate,
)
from padviz.gui.explorer.widgets import ErrorLabel
from padviz.gui.state import AppState


def _spin(name: str, low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class GeneratorBox(QWidget):
    """The core's generator: distribution, count, min / max length, vocabulary size, seed and
    Regenerate (the same settings always give the same batch)."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        spec = GeneratorSpec()
        form = QFormLayout(self)
        self.distribution = QComboBox()
        self.distribution.setObjectName("generatorDistribution")
        self.distribution.addItems(DISTRIBUTIONS)
        self.distribution.setToolTip(
            "uniform; normal around the middle; lognormal: a long tail; fixed: all max length"
        )
        self.count = _spin("generatorCount", 1, BATCH_CAP, spec.count, "number of sequences")
        self.min_length = _spin("generatorMin", 1, MAX_LENGTH_CAP, spec.min_length, "shortest")
        self.max_length = _spin("generatorMax", 1, MAX_LENGTH_CAP, spec.max_length, "longest")
        self.vocab_size = _spin(
            "generatorVocab", 2, 1 << 20, spec.vocab_size, "token ids are 1 .. size - 1"
        )
        self.seed = _spin("generatorSeed", 0, 2**31 - 1, spec.seed, "same seed, same batch")
        form.addRow("Distribution:", self.distribution)
        form.addRow("Sequences:", self.count)
        form.addRow("Min length:", self.min_length)
        form.addRow("Max length:", self.max_length)
        form.addRow("Vocabulary:", self.vocab_size)
        form.addRow("Seed:", self.seed)
        self.regenerate_button = QPushButton("&Regenerate")
        self.regenerate_button.setObjectName("regenerateButton")
        self.regenerate_button.clicked.connect(self.regenerate)
        form.addRow(self.regenerate_button)
        self.error = ErrorLabel("generatorError")
        form.addRow(self.error)

    def spec(self) -> GeneratorSpec:
        return GeneratorSpec(
            distribution=self.distribution.currentText(),  # type: ignore[arg-type]
            count=self.count.value(),
            min_length=self.min_length.value(),
            max_length=self.max_length.value(),
            vocab_size=self.vocab_size.value(),
            seed=self.seed.value(),
        )

    def regenerate(self) -> None:
        try:
            batch = generate(self.spec())
        except BatchError as exc:
            self.error.show_error(str(exc))
            return
        self.error.clear_error()
        self.state.set_batch(batch)
