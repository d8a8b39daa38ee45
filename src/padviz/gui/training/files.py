"""The Training tab's files: sessions, curves as CSV, the loss plots as an image, and a
standalone script of one run; each has a *_dialog twin that the File menu calls (main_window),
which asks for the path and says on the status line what happened or why it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFileDialog, QInputDialog

from padviz.core.curves import curves_csv
from padviz.core.errors import PadvizError
from padviz.core.files import replacing, write_text_atomically
from padviz.gui.training.settings_form import RUN_LABELS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QCheckBox, QSlider, QWidget

    from padviz.core.sessions import Session
    from padviz.gui.state import AppState
    from padviz.gui.training.controller import TrainingController
    from padviz.gui.training.metrics import MetricsTable
    from padviz.gui.training.settings_form import SettingsForm

SESSION_FILTER = "padviz session (*.json);;All files (*)"


def opened_message(kind: str, path: str | Path, notes: Sequence[str]) -> str:
    """ "opened the session PATH", with what could not be restored as saved."""
    return f"opened the {kind} {path}" + "".join(f"; {note}" for note in notes)


class TrainingFiles:
    """The file operations of TrainingPanel, mixed into it: they read and set these parts of
    the panel, and call its set_training, show_status and _update_progress."""

    state: AppState
    controller: TrainingController
    form: SettingsForm
    metrics: MetricsTable
    plots_box: QWidget
    smoothing_slider: QSlider
    log_y_box: QCheckBox
    _curves_saved: bool

    def _run_labels(self) -> dict[str, Any]:
        return {self.controller.runs[i]: curves for i, curves in enumerate(self.controller.curves)}

    def export_csv(self, path: str | Path) -> Path:
        """Every run's every loss variant and metric, one row per run and step."""
        path = Path(path)
        write_text_atomically(path, curves_csv(self._run_labels()))
        self.mark_curves_saved()
        return path

    def export_plots(self, path: str | Path) -> Path:
        """Both loss plots, side by side with their legends, as a .png or .svg file."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise PadvizError(f"cannot export plots to {path.name!r}: use .png or .svg")
        with replacing(path) as temporary:
            if suffix == ".png":
                if not self.plots_box.grab().save(temporary, "PNG"):
                    raise PadvizError(f"cannot write {path}")
            else:
                from PySide6.QtSvg import QSvgGenerator

                size = self.plots_box.size()
                generator = QSvgGenerator()
                generator.setFileName(temporary)
                generator.setSize(size)
                generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
                generator.setTitle("padviz loss curves")
                painter = QPainter(generator)
                try:
                    self.plots_box.render(painter, QPoint())
                finally:
                    painter.end()
        return path

    def current_session(self) -> Any:
        from padviz.core.sessions import Session
        from padviz.core.training import TrainConfig

        c = self.controller
        if c.configs:
            runs, base = tuple(c.runs), dict(c.configs[0])
        else:
            runs = tuple(self.form.runs()) or (self.form.default_run(),)
            base = {**self.form.base_config(), "mode": runs[0]}
        return Session(
            batch=self.state.batch,
            options=self.state.options,
            config=TrainConfig.from_dict(base),
            runs=runs,
            curves={mode: c.curves[i] for i, mode in enumerate(c.runs)} if c.configs else {},
            smoothing=self.smoothing_slider.value() / 100.0,
            log_y=self.log_y_box.isChecked(),
            faults={c.runs[i]: text for i, text in c.faults.items()},
        )

    def save_session(self, path: str | Path) -> Path:
        from padviz.core.sessions import save_session

        save_session(self.current_session(), path)
        self.mark_curves_saved()
        return Path(path)

    def open_session(self, path: str | Path) -> list[str]:
        """Restore a saved session file; returns what restore_session notes."""
        from padviz.core.sessions import load_session

        return self.restore_session(load_session(path))

    def restore_session(self, session: Session) -> list[str]:
        """Show a session: batch, options, settings, seed, view and curves. Returns a note
        for each setting that could not be restored as saved (a device not present here)."""
        from padviz.core.curves import Curves

        self.state.set_batch(session.batch, edited=False)
        self.state.set_options(session.options)
        config = session.config.to_dict()
        notes = self.set_training(config, session.runs)
        self.smoothing_slider.setValue(round(session.smoothing * 100))
        self.log_y_box.setChecked(session.log_y)
        runs = list(session.runs)
        curves = [session.curves.get(mode, Curves()) for mode in runs]
        faults = {runs.index(mode): text for mode, text in session.faults.items()}
        self.controller.restore(runs, [{**config, "mode": m} for m in runs], curves, faults)
        self.metrics.refresh(self.controller.curves, self.controller.steps_per_s)
        self._update_progress()
        self.mark_curves_saved()  # they are in the file just opened
        return notes

    def unsaved_curves(self) -> bool:
        """Whether curves were trained that no saved session or CSV export holds."""
        return not self._curves_saved and any(len(c) for c in self.controller.curves)

    def mark_curves_saved(self) -> None:
        self._curves_saved = True

    def _curves_changed(self) -> None:
        self._curves_saved = False

    def export_script(self, path: str | Path, mode: str) -> Path:
        """A standalone plain-torch script reproducing run `mode` of the current settings."""
        from padviz.core.script_export import write_script
        from padviz.core.training import TrainConfig

        c = self.controller
        base = dict(c.configs[0]) if c.configs else self.form.base_config()
        config = TrainConfig.from_dict({**base, "mode": mode, "nan_at_step": None})
        return write_script(config, path)

    # dialogs: the File menu calls these; errors go to the status line
    def save_session_dialog(self) -> None:
        self._file_action(
            "Save session",
            "padviz-session.json",
            SESSION_FILTER,
            self.save_session,
            "saved the session to {}",
        )

    def open_session_dialog(self) -> None:
        path = self.ask_open_path("Open session", SESSION_FILTER)
        if path is not None:
            self._guarded(
                lambda: self.open_session(path),
                lambda notes: opened_message("session", path, notes),
            )

    def export_csv_dialog(self) -> None:
        self._file_action(
            "Export curves as CSV",
            "padviz-curves.csv",
            "CSV (*.csv)",
            self.export_csv,
            "exported the curves to {}",
        )

    def export_plots_dialog(self) -> None:
        self._file_action(
            "Export loss plots",
            "padviz-loss.png",
            "PNG image (*.png);;SVG drawing (*.svg)",
            self.export_plots,
            "exported the plots to {}",
        )

    def export_script_dialog(self) -> None:
        runs = self.controller.runs or self.form.runs()
        if not runs:
            self.show_status("error: select a run to export")
            return
        mode = runs[0]
        if len(runs) > 1:
            labels = [RUN_LABELS.get(r, r) for r in runs]
            label = self.ask_item("Export script", "Which run should the script reproduce?", labels)
            if label is None:
                return
            mode = runs[labels.index(label)]
        self._file_action(
            "Export script",
            f"padviz_{mode.replace('-', '_')}.py",
            "Python (*.py)",
            lambda p: self.export_script(p, mode),
            "exported a script to {}: run it with python",
        )

    def _file_action(self, title: str, name: str, filters: str, action: Any, done: str) -> None:
        path = self.ask_save_path(title, name, filters)
        if path is not None:
            self._guarded(lambda: action(path), done.format(path))

    def _guarded(self, action: Any, done: str | Callable[[Any], str]) -> None:
        """Run a file action; say `done` (or what it makes of the action's result), or why
        it failed."""
        try:
            result = action()
        except (PadvizError, OSError) as exc:  # bad input, or a file that cannot be written
            self.show_status(f"error: {exc}")
        else:
            self.show_status(done(result) if callable(done) else done)

    def ask_save_path(self, title: str, name: str, filters: str) -> Path | None:
        path, chosen = QFileDialog.getSaveFileName(self, title, name, filters)
        if not path:
            return None
        if not Path(path).suffix:
            suffix = ".svg" if "svg" in chosen.lower() else Path(name).suffix
            return Path(path).with_suffix(suffix)
        return Path(path)

    def ask_open_path(self, title: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, title, "", filters)
        return Path(path) if path else None

    def ask_item(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else None
