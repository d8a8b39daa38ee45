"""Lessons: step-by-step walks through padding, masking and packing, for lecturing.

A lesson is a JSON file (shipped ones live in assets/lessons; lecturers can open their own).
Each step sets the batch, the layout options and optionally a training config, picks the tab,
says what to highlight and shows a caption. Steps inherit the batch, options, training config
and tab of the step before, so a step only states what changes. Every step is resolved and
checked when the lesson loads: a bad file raises `LessonError` naming the file, the step
(counted from 1) and the field.

Lesson JSON format, version 1::

    {
      "format": "padviz-lesson",        required, exactly this string
      "version": 1,                     required, exactly 1
      "name": "why-pad",                optional; defaults to the file name without .json
      "number": 1,                      optional integer: shipped lessons are listed by it
      "title": "Why pad?",              required, non-empty
      "description": "One line.",       required, non-empty, a single line
      "steps": [ STEP, ... ]            required, at least one
    }

    STEP:
    {
      "caption": "...",                 required, non-empty; a template: {name} is replaced by
                                        the figure `name` of this step's layout (CAPTION_FIELDS
                                        in captions.py; write {{ and }} for literal braces),
                                        {run.metric} by the
                                        latest value of one of the step's training runs
                                        (TRAINING_METRICS, e.g. {packed.masked_loss}; "…" until
                                        the run has a step)
      "batch": BATCH,                   required in step 1, then optional (inherited)
      "options": {...},                 optional: padviz.core.options.LayoutOptions fields, set on
                                        top of the previous step's options (step 1: defaults)
      "training": {                     optional (inherited): for the Training tab
        "config": {...},                padviz.core.training.TrainConfig fields except "mode"
        "runs": ["padded-masked", ...]  optional, default all three modes: the runs to train
      },
      "tab": "explorer",                optional (inherited; step 1: explorer): one of TABS
      "mistake": {                      required on a step whose tab is "mistakes", refused on
        "name": "article_loss",         the others: a mistake of padviz.core.mistakes, run on
        "stage": "try"                  the step's batch; "try" (the default) shows what torch
      },                                did with the wrong code, "fix" the fix and its check too
      "highlight": {                    optional, this step only
        "views": ["packedView", ...],   widgets to call out (VIEWS)
        "cells": [[2, 4], ...],         [sequence, t]: the sequence's index in the batch as
                                        given, and the column t of the padded tensor
        "time": 4,                      a packed time step: its rows light up (needs packing)
        "walk": true                    the step is about the packed-time walk (Play): its
                                        slides add one page per time step after its own
      }
    }

    BATCH: exactly one source, with its own optional keys, plus optional "feature_size":
      {"preset": "article"}                                   a batch in assets/presets
      {"lengths": [5, 3, 7], "vocab_size": 16, "seed": 0}     deterministic tokens
      {"sequences": [[4, 2], [7]], "vocab": [...], "labels": [...]}   token ids as given
      {"text": "one sentence per line", "level": "word"}      word or char tokens
      {"generate": {GeneratorSpec fields}}                    random lengths, seeded
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from padviz.core import batch as batches
from padviz.core import json_files
from padviz.core.batch import Batch
from padviz.core.captions import (
    fill_layout_fields,
    render,
    template_names,
    training_fields,
)
from padviz.core.errors import PadvizError
from padviz.core.layout import Layout, compute_layout, plan
from padviz.core.limits import MAX_NAME_CHARS, MAX_TEXT_CHARS
from padviz.core.mistakes import ALL as MISTAKES  # the catalogue: no torch
from padviz.core.models import MODEL_MODES
from padviz.core.options import OPTION_NAMES, LayoutOptions
from padviz.core.training import TrainConfig
from padviz.core.views import time_steps
from padviz.resources import asset

FORMAT = "padviz-lesson"
VERSION = 1
TABS = ("explorer", "training", "bench", "mistakes")
MISTAKE_STAGES = ("try", "fix")
VIEWS = (
    "paddedView",
    "maskView",
    "packedView",
    "jaggedView",
    "rowPackingView",
    "rowMaskView",
    "wasteLabel",
    "wasteTable",
    "codeView",
    "pitfallPanel",
    "maskedLossPlot",
    "unmaskedLossPlot",
    "hiddenStateView",
    "mistakeCells",
)
_LESSON_KEYS = frozenset(("format", "version", "name", "number", "title", "description", "steps"))
_STEP_KEYS = frozenset(("caption", "batch", "options", "training", "tab", "highlight", "mistake"))
_BATCH_SOURCES = {
    "preset": frozenset(),
    "lengths": frozenset(("vocab_size", "seed")),
    "sequences": frozenset(("vocab", "labels")),
    "text": frozenset(("level",)),
    "generate": frozenset(),
}


class LessonError(PadvizError):
    """A bad lesson; the message names the file, the step (from 1) and the field."""

    def __init__(self, source: str, problem: str, step: int | None = None, field: str = "") -> None:
        where = source
        if step is not None:
            where += f": step {step}"
        if field:
            where += f", {field}" if step is not None else f": {field}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.step = step
        self.field = field


@dataclass(frozen=True)
class Highlight:
    """What a step calls out. `cells` are (sequence as given, t); see `Step.highlight_cells`."""

    views: tuple[str, ...] = ()
    cells: tuple[tuple[int, int], ...] = ()
    time: int | None = None
    walk: bool = False


@dataclass(frozen=True)
class MistakeStep:
    """A step of the Mistakes tab: which mistake, tried or fixed."""

    name: str
    stage: str  # one of MISTAKE_STAGES


@dataclass(frozen=True)
class TrainingSpec:
    """The training config of a step and which runs (modes) to train with it."""

    config: TrainConfig
    runs: tuple[str, ...]

    def run_configs(self) -> list[TrainConfig]:
        return [dataclasses.replace(self.config, mode=mode) for mode in self.runs]


@dataclass(frozen=True, eq=False)
class Step:
    """One resolved step: everything the window needs, with the caption already filled in."""

    caption: str
    batch: Batch
    options: LayoutOptions
    training: TrainingSpec | None
    tab: str
    highlight: Highlight
    template: str  # the caption with its layout figures in and its {run.metric}s not yet
    mistake: MistakeStep | None = None

    @property
    def states_results(self) -> bool:
        """Whether the caption quotes training results ({run.metric} placeholders)."""
        return any("." in name for name in template_names(self.template))

    def caption_for(self, results: Mapping[str, Mapping[str, float]]) -> str:
        """The caption with each {run.metric} filled from `results` (mode -> the run's latest
        values, see `captions.latest_results`); a run without a step yet shows "…"."""
        return render(self.template, training_fields(results))

    def highlight_cells(self) -> np.ndarray:
        """The highlighted cells as (row, t) of the layout (rows are in the order used)."""
        if not self.highlight.cells:
            return np.zeros((0, 2), np.int64)
        order, _, _, _ = plan(self.batch.lengths_array, self.options)
        row_of = np.argsort(order)
        cells = np.array(self.highlight.cells, np.int64)
        return np.stack([row_of[cells[:, 0]], cells[:, 1]], axis=1)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    description: str
    steps: tuple[Step, ...]
    number: int | None = None
    source: str = ""  # the file it came from, for messages


# -- the packed-time walk ------------------------------------------------------------------------
# The cells lit at time step t are padviz.core.views.time_cells(layout, t): the cells that torch's
# data rows layout.rows_at_time(t) hold.
# -- reading -------------------------------------------------------------------------------------
class _Reader:
    """Resolves the steps of one lesson, carrying inherited settings and the error location."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.step: int | None = None
        self.batch: Batch | None = None
        self.options = LayoutOptions()
        self.training: TrainingSpec | None = None
        self.tab = "explorer"

    def error(self, field: str, problem: str) -> LessonError:
        return LessonError(self.source, problem, self.step, field)

    def lesson(self, data: Any, default_name: str) -> Lesson:
        if not isinstance(data, dict):
            raise self.error("", f"expected a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise self.error(
                "format",
                f"not a padviz lesson: format is {data.get('format')!r}, expected {FORMAT!r}",
            )
        try:
            json_files.check_version(data.get("version"), VERSION, PadvizError, "lesson")
        except PadvizError as exc:
            raise self.error("version", str(exc)) from None
        self.unknown_keys(data, _LESSON_KEYS, "")
        name = data.get("name", default_name)
        if not isinstance(name, str) or not name.strip():
            raise self.error("name", f"must be a non-empty string, got {name!r}")
        number = data.get("number")
        if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
            raise self.error("number", f"must be a whole number, got {number!r}")
        title = self.text(data, "title", MAX_NAME_CHARS)
        description = self.text(data, "description")
        if "\n" in description:
            raise self.error("description", "must be one line")
        steps = data.get("steps")
        if not isinstance(steps, list) or not steps:
            raise self.error("steps", "must be a non-empty list of steps")
        resolved = []
        for k, raw in enumerate(steps, start=1):
            self.step = k
            resolved.append(self.resolve(raw))
        return Lesson(name, title, description, tuple(resolved), number, self.source)

    def unknown_keys(self, data: dict[str, Any], known: frozenset[str], field: str) -> None:
        unknown = sorted(set(data) - known)
        if unknown:
            prefix = f"{field}." if field else ""
            raise self.error(
                f"{prefix}{unknown[0]}", f"unknown key (known: {', '.join(sorted(known))})"
            )

    def text(self, data: dict[str, Any], key: str, limit: int = MAX_TEXT_CHARS) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {value!r}")
        if len(value) > limit:
            raise self.error(key, f"is {len(value):,} characters; at most {limit:,}")
        return value.strip()

    def resolve(self, raw: Any) -> Step:
        if not isinstance(raw, dict):
            raise self.error("", f"a step must be a JSON object, got {type(raw).__name__}")
        self.unknown_keys(raw, _STEP_KEYS, "")
        template = self.text(raw, "caption")
        if "batch" in raw:
            self.batch = self.read_batch(raw["batch"])
        elif self.batch is None:
            raise self.error("batch", "the first step must set a batch")
        if "options" in raw:
            self.options = self.read_options(raw["options"])
        if "training" in raw:
            self.training = self.read_training(raw["training"])
        if "tab" in raw:
            if raw["tab"] not in TABS:
                raise self.error("tab", f"{raw['tab']!r} is not one of {', '.join(TABS)}")
            self.tab = raw["tab"]
        try:
            layout = compute_layout(self.batch, self.options)
        except ValueError as exc:
            raise self.error("options", str(exc)) from None
        highlight = self.read_highlight(raw.get("highlight", {}), layout)
        mistake = self.read_mistake(raw.get("mistake"))
        try:
            partial = fill_layout_fields(template, layout, highlight.time)
        except ValueError as exc:
            raise self.error("caption", str(exc)) from None
        for name in template_names(partial):
            run = name.partition(".")[0]
            if self.training is None or run not in self.training.runs:
                raise self.error("caption", f"{{{name}}} needs a training step with run {run}")
        caption = render(partial, training_fields({}))
        return Step(
            caption, self.batch, self.options, self.training, self.tab, highlight, partial, mistake
        )

    def read_mistake(self, spec: Any) -> MistakeStep | None:
        if spec is None:
            if self.tab == "mistakes":
                raise self.error("mistake", "a step on the mistakes tab must name its mistake")
            return None
        if self.tab != "mistakes":
            raise self.error(
                "mistake", f"only a step on the mistakes tab runs one (tab {self.tab!r})"
            )
        if not isinstance(spec, dict):
            raise self.error("mistake", f"must be a JSON object, got {type(spec).__name__}")
        self.unknown_keys(spec, frozenset(("name", "stage")), "mistake")
        name, stage = spec.get("name"), spec.get("stage", "try")
        if not isinstance(name, str) or name not in MISTAKES:
            raise self.error("mistake.name", f"{name!r} is not one of {', '.join(MISTAKES)}")
        if stage not in MISTAKE_STAGES:
            raise self.error(
                "mistake.stage", f"{stage!r} is not one of {', '.join(MISTAKE_STAGES)}"
            )
        return MistakeStep(name, stage)

    def read_batch(self, spec: Any) -> Batch:
        if not isinstance(spec, dict):
            raise self.error("batch", f"must be a JSON object, got {type(spec).__name__}")
        sources = [key for key in _BATCH_SOURCES if key in spec]
        if len(sources) != 1:
            raise self.error(
                "batch", f"give exactly one of {', '.join(_BATCH_SOURCES)} (got {len(sources)})"
            )
        source = sources[0]
        self.unknown_keys(spec, _BATCH_SOURCES[source] | {source, "feature_size"}, "batch")
        try:
            batch = _build_batch(source, spec)
            if "feature_size" in spec:
                batch = dataclasses.replace(batch, feature_size=spec["feature_size"])
                batch.validate()
        except (ValueError, TypeError) as exc:
            raise self.error(f"batch.{source}", str(exc)) from None
        return batch

    def read_options(self, spec: Any) -> LayoutOptions:
        if not isinstance(spec, dict):
            raise self.error("options", f"must be a JSON object, got {type(spec).__name__}")
        self.unknown_keys(spec, OPTION_NAMES, "options")
        try:
            return LayoutOptions.from_dict({**self.options.to_dict(), **spec})
        except ValueError as exc:
            raise self.error("options", str(exc)) from None

    def read_training(self, spec: Any) -> TrainingSpec:
        if not isinstance(spec, dict):
            raise self.error("training", f"must be a JSON object, got {type(spec).__name__}")
        self.unknown_keys(spec, frozenset(("config", "runs")), "training")
        config = spec.get("config", {})
        if not isinstance(config, dict):
            raise self.error("training.config", f"must be a JSON object, got {config!r}")
        if "mode" in config:
            raise self.error("training.config.mode", "choose the modes with training.runs")
        model = config.get("model", "lstm")
        if isinstance(model, str) and model in MODEL_MODES:  # checked in a mode of its own
            config = {"mode": MODEL_MODES[model][0], **config}
        try:
            parsed = TrainConfig.from_dict(config)
        except ValueError as exc:
            raise self.error("training.config", str(exc)) from None
        modes = MODEL_MODES[parsed.model]
        runs = spec.get("runs", list(modes))
        if not isinstance(runs, list) or not runs or len(set(map(str, runs))) != len(runs):
            raise self.error(
                "training.runs", f"must be a non-empty list of distinct modes, got {runs!r}"
            )
        for run in runs:
            if run not in modes:
                raise self.error("training.runs", f"{run!r} is not one of {', '.join(modes)}")
        return TrainingSpec(parsed, tuple(runs))

    def read_highlight(self, spec: Any, layout: Layout) -> Highlight:
        if not isinstance(spec, dict):
            raise self.error("highlight", f"must be a JSON object, got {type(spec).__name__}")
        self.unknown_keys(spec, frozenset(("views", "cells", "time", "walk")), "highlight")
        views = spec.get("views", [])
        if not isinstance(views, list):
            raise self.error("highlight.views", f"must be a list of view names, got {views!r}")
        for view in views:
            if view not in VIEWS:
                raise self.error("highlight.views", f"{view!r} is not one of {', '.join(VIEWS)}")
        cells = spec.get("cells", [])
        if not isinstance(cells, list):
            raise self.error(
                "highlight.cells", f"must be a list of [sequence, t] pairs, got {cells!r}"
            )
        for cell in cells:
            if not (
                isinstance(cell, list)
                and len(cell) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in cell)
            ):
                raise self.error("highlight.cells", f"{cell!r} is not a [sequence, t] pair")
            seq, t = cell
            if not (0 <= seq < layout.B and 0 <= t < layout.T):
                raise self.error(
                    "highlight.cells",
                    f"{cell!r} is outside the batch ({layout.B} sequences x {layout.T} time steps)",
                )
        time = spec.get("time")
        if time is not None:
            steps = time_steps(layout)
            if steps == 0:
                raise self.error(
                    "highlight.time", "torch refuses to pack this batch: no time steps"
                )
            if not isinstance(time, int) or isinstance(time, bool) or not 0 <= time < steps:
                raise self.error("highlight.time", f"{time!r} is not a time step 0..{steps - 1}")
        walk = spec.get("walk", False)
        if not isinstance(walk, bool):
            raise self.error("highlight.walk", f"must be true or false, got {walk!r}")
        if walk and time_steps(layout) == 0:
            raise self.error("highlight.walk", "torch refuses to pack this batch: nothing to walk")
        return Highlight(tuple(views), tuple((int(s), int(t)) for s, t in cells), time, walk)


def _build_batch(source: str, spec: dict[str, Any]) -> Batch:
    value = spec[source]
    if source == "preset":
        return batches.load_preset(value)
    if source == "lengths":
        if not isinstance(value, list):
            raise TypeError(f"must be a list of lengths, got {value!r}")
        return batches.from_lengths(value, spec.get("vocab_size", 16), spec.get("seed", 0))
    if source == "sequences":
        data = {"format": batches.FORMAT, "version": batches.VERSION, "sequences": value}
        data.update({key: spec[key] for key in ("vocab", "labels") if key in spec})
        return batches.from_json(data)
    if source == "text":
        if not isinstance(value, str):
            raise TypeError(f"must be a string, one sentence per line, got {value!r}")
        return batches.from_text(value, spec.get("level", "word"))
    if not isinstance(value, dict):
        raise TypeError(f"must be a JSON object of generator settings, got {value!r}")
    return batches.generate(batches.GeneratorSpec(**value))


def parse_lesson(data: Any, source: str, default_name: str) -> Lesson:
    """A lesson from decoded JSON; `source` names it in error messages."""
    return _Reader(source).lesson(data, default_name)


def _read(text: str, source: str, default_name: str) -> Lesson:
    try:
        data = json_files.parse(text, source)
    except json_files.JsonFileError as exc:
        raise LessonError(source, exc.problem) from None
    return parse_lesson(data, source, default_name)


class LessonInfo(NamedTuple):
    """A shipped lesson as listed (read from its header only, not validated)."""

    name: str
    number: int | None
    title: str
    file_name: str


def shipped_lessons() -> list[LessonInfo]:
    """The shipped lessons, in teaching order (their "number", then name)."""
    found = []
    for entry in asset("lessons").iterdir():
        if not entry.name.endswith(".json"):
            continue
        try:
            data = json.loads(entry.read_text("utf-8"))
        except ValueError:  # load_lesson reports it
            data = None
        header = data if isinstance(data, dict) else {}
        number = header.get("number")
        number = number if isinstance(number, int) and not isinstance(number, bool) else None
        name = entry.name.removesuffix(".json")
        found.append(LessonInfo(name, number, str(header.get("title") or name), entry.name))
    return sorted(found, key=lambda info: (info.number is None, info.number or 0, info.name))


def lesson_names() -> list[str]:
    """The shipped lessons' names, in teaching order."""
    return [info.name for info in shipped_lessons()]


def load_lesson(name_or_path: str | PathLike[str]) -> Lesson:
    """A shipped lesson by name, or a lesson file by path."""
    name = str(name_or_path)
    for info in shipped_lessons():
        if info.name == name:
            return _read(asset("lessons", info.file_name).read_text("utf-8"), info.file_name, name)
    path = Path(name_or_path)
    if not path.is_file():
        raise LessonError(
            name,
            "no such lesson or file (shipped lessons: " + ", ".join(lesson_names()) + ")",
        )
    try:
        text = json_files.read_text(path)
    except json_files.JsonFileError as exc:
        raise LessonError(name, exc.problem) from None
    return _read(text, path.name, path.stem)
