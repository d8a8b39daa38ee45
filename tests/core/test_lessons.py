"""Lessons: every shipped one loads with filled captions; bad files get specific errors; the
packed-time walk highlights exactly the rows torch puts at each time step."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence

from padviz.core.batch import from_lengths, load_preset
from padviz.core.captions import CAPTION_FIELDS, fill_caption, latest_results
from padviz.core.layout import compute_layout
from padviz.core.lessons import (
    TABS,
    VIEWS,
    Lesson,
    LessonError,
    lesson_names,
    load_lesson,
    parse_lesson,
)
from padviz.core.options import LayoutOptions
from padviz.core.training import batch_stream
from padviz.core.views import time_caption, time_cells, time_steps

TOPICS = ("why-pad", "the-mask", "packing", "masked-loss", "h-n-trap", "article-loss", "bucketing")


# -- shipped lessons -----------------------------------------------------------------------------
def test_the_seven_topics_ship_in_teaching_order() -> None:
    names = lesson_names()
    assert len(names) >= 7
    assert names[: len(TOPICS)] == list(TOPICS)


@pytest.mark.parametrize("name", lesson_names())
def test_shipped_lesson_loads_with_filled_captions(name: str) -> None:
    lesson = load_lesson(name)
    assert lesson.name == name
    assert lesson.title and lesson.description and "\n" not in lesson.description
    assert len(lesson.steps) >= 4
    for step in lesson.steps:
        assert step.caption.strip()
        assert not re.search(r"[{}]", step.caption), step.caption  # every placeholder filled
        assert len(step.caption) <= 200, "captions must fit two lines on a projector"
        assert step.tab in TABS
        assert set(step.highlight.views) <= set(VIEWS)


def test_lesson_with_training_names_its_runs() -> None:
    for name in ("masked-loss", "h-n-trap"):
        trained = [s for s in load_lesson(name).steps if s.tab == "training"]
        assert trained and all(s.training is not None and s.training.runs for s in trained)
        configs = trained[0].training.run_configs()
        assert [c.mode for c in configs] == list(trained[0].training.runs)


def test_captions_are_filled_from_the_core() -> None:
    step = load_lesson("why-pad").steps[4]  # the article batch, batch-first
    stats = compute_layout(load_preset("article"), LayoutOptions(batch_first=True)).stats
    assert f"({stats.pad_ratio:.1%})" in step.caption
    assert f"{stats.real_tokens} real tokens" in step.caption
    packing = load_lesson("packing").steps
    assert "batch_sizes = [3, 3, 3, 2, 2, 1, 1]" in packing[4].caption
    assert packing[2].caption.startswith("At t=3 only 2 sequences are still running")


def test_steps_inherit_batch_options_and_tab() -> None:
    steps = load_lesson("packing").steps
    assert steps[1].batch is steps[0].batch
    assert steps[1].options == steps[0].options
    assert steps[6].options == dataclasses.replace(steps[0].options, enforce_sorted=True)
    assert (
        compute_layout(steps[6].batch, steps[6].options).packed is None
    )  # torch refuses unsorted lengths with enforce_sorted
    assert {s.tab for s in steps} == {"explorer"}


def test_highlight_cells_follow_the_order_used() -> None:
    lesson = {
        "format": "padviz-lesson",
        "version": 1,
        "title": "t",
        "description": "d",
        "steps": [
            {
                "batch": {"lengths": [2, 5, 3]},
                "options": {"order": "sorted"},
                "highlight": {"cells": [[0, 1], [1, 4]]},
                "caption": "rows {row_lengths}",
            }
        ],
    }
    step = _parse(lesson).steps[0]
    assert step.caption == "rows 5, 3, 2"
    # sorted rows: sequence 1 is row 0, sequence 2 row 1, sequence 0 row 2
    assert step.highlight_cells().tolist() == [[2, 1], [0, 4]]


# -- claims the captions make --------------------------------------------------------------------
def test_masked_loss_lesson_stream_is_two_thirds_pads_and_one_fifth_class_zero() -> None:
    step = next(s for s in load_lesson("masked-loss").steps if s.training is not None)
    pads, zeros = [], []
    for _, batch in zip(range(30), batch_stream(step.training.config), strict=False):
        mask = batch.mask
        pads.append(1 - mask.float().mean().item())
        zeros.append(((batch.targets == 0) & mask).sum().item() / mask.sum().item())
    assert 0.6 < np.mean(pads) < 0.75  # "about two thirds of its cells are pads"
    assert 0.15 < np.mean(zeros) < 0.25  # article-loss: "about one real token in five"


# -- the packed-time walk ------------------------------------------------------------------------
@st.composite
def layouts(draw):
    lengths = draw(st.lists(st.integers(1, 9), min_size=1, max_size=7))
    order = draw(st.sampled_from(["given", "sorted", "bucketed"]))
    options = LayoutOptions(
        batch_first=draw(st.booleans()),
        padding_side=draw(st.sampled_from(["right", "left"])),
        pad_to_multiple_of=draw(st.sampled_from([None, 4])),
        order=order,
        enforce_sorted=order != "given" and draw(st.booleans()),
    )
    return compute_layout(from_lengths(lengths), options)


@settings(max_examples=60, deadline=None)
@given(layouts())
def test_rows_at_time_t_are_exactly_torchs(layout) -> None:
    """Pack a tensor whose cells hold their own (row, column) code and read back what torch put
    in the data rows of each time step."""
    B, T = layout.B, layout.T
    codes = torch.arange(B * T).view(B, T)
    if not layout.options.batch_first:
        codes = codes.T
    packed = pack_padded_sequence(
        codes,
        torch.from_numpy(layout.lengths),
        batch_first=layout.options.batch_first,
        enforce_sorted=layout.options.enforce_sorted,
    )
    starts = np.concatenate([[0], np.cumsum(packed.batch_sizes.numpy())])
    assert time_steps(layout) == len(packed.batch_sizes)
    for t in range(len(packed.batch_sizes)):
        rows = layout.rows_at_time(t)
        assert list(rows) == list(range(starts[t], starts[t + 1]))
        data = packed.data[starts[t] : starts[t + 1]].numpy()
        assert time_cells(layout, t).tolist() == np.stack([data // T, data % T], 1).tolist()
    assert len(layout.rows_at_time(len(packed.batch_sizes))) == 0


def test_time_caption_counts_running_sequences() -> None:
    layout = compute_layout(from_lengths([5, 6, 7, 2]))
    assert time_caption(layout, 4).startswith("t=4: 3 sequences still running")
    assert time_caption(layout, 4).endswith("batch_sizes[4] = 3")
    assert time_caption(layout, 6).startswith("t=6: 1 sequence still running")
    with pytest.raises(IndexError):
        time_caption(layout, 7)


def test_time_caption_when_torch_refuses_to_pack() -> None:
    layout = compute_layout(from_lengths([2, 5]), LayoutOptions(enforce_sorted=True))
    assert time_steps(layout) == 0
    assert "refused" in time_caption(layout, 0)


# -- errors --------------------------------------------------------------------------------------
def _lesson(**step: object) -> dict:
    first = {"batch": {"lengths": [5, 3, 7]}, "caption": "first"}
    return {
        "format": "padviz-lesson",
        "version": 1,
        "title": "Mine",
        "description": "My lesson.",
        "steps": [first, {"caption": "second", **step}],
    }


def _parse(data: object) -> Lesson:
    return parse_lesson(data, "mine.json", "mine")


@pytest.mark.parametrize(
    ("step", "where", "words"),
    [
        ({"options": {"padding_side": "up"}}, "step 2, options", "padding_side 'up'"),
        ({"options": {"paddingside": "left"}}, "step 2, options.paddingside", "unknown key"),
        ({"batch": {"preset": "nope"}}, "step 2, batch.preset", "unknown preset 'nope'"),
        ({"batch": {"lengths": [3, 0]}}, "step 2, batch.lengths", "length 0"),
        ({"batch": {"lengths": [3], "text": "a"}}, "step 2, batch", "exactly one of"),
        ({"batch": {"lengths": [3], "colour": 1}}, "step 2, batch.colour", "unknown key"),
        ({"tab": "slides"}, "step 2, tab", "'slides' is not one of"),
        ({"highlight": {"views": ["bigView"]}}, "step 2, highlight.views", "'bigView'"),
        ({"highlight": {"cells": [[3, 0]]}}, "step 2, highlight.cells", "outside the batch"),
        ({"highlight": {"cells": [[1, 7]]}}, "step 2, highlight.cells", "outside the batch"),
        ({"highlight": {"cells": [1, 2]}}, "step 2, highlight.cells", "not a [sequence, t] pair"),
        ({"highlight": {"time": 7}}, "step 2, highlight.time", "not a time step 0..6"),
        (
            {"options": {"enforce_sorted": True}, "highlight": {"time": 0}},
            "step 2, highlight.time",
            "refuses to pack",
        ),
        ({"caption": "{nope}"}, "step 2, caption", "unknown placeholder {nope}"),
        ({"caption": "{running}"}, "step 2, caption", "needs a highlighted time step"),
        ({"caption": "{B.real}"}, "step 2, caption", "write {run.metric} with a run of"),
        ({"caption": "{B[0]}"}, "step 2, caption", "plain {name}"),
        ({"caption": "{packed.step}"}, "step 2, caption", "needs a training step with run packed"),
        (
            {"training": {"runs": ["packed"]}, "caption": "{padded-masked.accuracy}"},
            "step 2, caption",
            "needs a training step with run padded-masked",
        ),
        ({"highlight": {"walk": 1}}, "step 2, highlight.walk", "true or false"),
        (
            {"options": {"enforce_sorted": True}, "highlight": {"walk": True}},
            "step 2, highlight.walk",
            "nothing to walk",
        ),
        ({"caption": "  "}, "step 2, caption", "non-empty string"),
        ({"training": {"config": {"mode": "packed"}}}, "step 2, training.config.mode", "runs"),
        ({"training": {"config": {"hidden": 0}}}, "step 2, training.config", "hidden"),
        ({"training": {"runs": ["padded"]}}, "step 2, training.runs", "'padded'"),
        ({"training": {"runs": []}}, "step 2, training.runs", "non-empty"),
        ({"slide": 1}, "step 2, slide", "unknown key"),
    ],
)
def test_bad_step_names_file_step_and_field(step: dict, where: str, words: str) -> None:
    with pytest.raises(LessonError) as info:
        _parse(_lesson(**step))
    message = str(info.value)
    assert message.startswith(f"mine.json: {where}: "), message
    assert words in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"format": "padviz-batch"}, "format"),
        ({"version": 2}, "version"),
        ({"title": ""}, "title"),
        ({"description": "two\nlines"}, "description"),
        ({"steps": []}, "steps"),
        ({"number": "one"}, "number"),
        ({"author": "me"}, "author"),
    ],
)
def test_bad_lesson_header_names_the_field(change: dict, where: str) -> None:
    with pytest.raises(LessonError, match=rf"^mine\.json: {where}: "):
        _parse({**_lesson(), **change})


def test_first_step_must_set_a_batch() -> None:
    data = _lesson()
    del data["steps"][0]["batch"]
    with pytest.raises(LessonError, match=r"^mine\.json: step 1, batch: the first step"):
        _parse(data)


def test_fill_caption_knows_every_documented_field() -> None:
    layout = compute_layout(from_lengths([5, 3, 7]))
    template = " ".join(f"{{{name}}}" for name in CAPTION_FIELDS)
    filled = fill_caption(template, layout, time=2)
    assert "{" not in filled
    assert fill_caption("{{literal}} {T}", layout) == "{literal} 7"


def test_training_results_fill_the_caption_of_the_runs_on_screen() -> None:
    from padviz.core.curves import CURVE_FIELDS, Curves

    curves = Curves()
    for step, loss in ((1, 2.0), (2, 0.12345)):
        record = dict.fromkeys(CURVE_FIELDS, 0.0) | {"step": step, "masked_loss": loss}
        curves.append([record[name] for name in CURVE_FIELDS])
    data = _lesson()
    data["steps"][1] |= {
        "training": {"runs": ["packed", "padded-masked"]},
        "caption": "{{T}}={T}: {packed.masked_loss} at {packed.step}, {padded-masked.accuracy}",
    }
    step = _parse(data).steps[1]
    assert step.states_results and not _parse(_lesson()).steps[1].states_results
    assert step.caption == "{T}=7: … at …, …"
    results = latest_results({"packed": curves, "padded-masked": Curves()})
    assert results == {
        "packed": {
            "step": 2.0,
            "masked_loss": 0.12345,
            "unmasked_loss": 0.0,
            "accuracy": 0.0,
            "pad_share": 0.0,
        }
    }
    assert step.caption_for(results) == "{T}=7: 0.123 at 2, …"
    assert step.caption_for({"padded-masked": {"accuracy": 0.5}}).endswith("… at …, 50.0%")


# -- files ---------------------------------------------------------------------------------------
def test_load_lesson_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "my-lesson.json"
    path.write_text(json.dumps(_lesson(options={"batch_first": True})), "utf-8")
    lesson = load_lesson(path)
    assert lesson.name == "my-lesson"
    assert [s.caption for s in lesson.steps] == ["first", "second"]
    assert lesson.steps[1].options.batch_first


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", "utf-8")
    with pytest.raises(LessonError, match=r"^broken\.json: malformed JSON"):
        load_lesson(broken)
    with pytest.raises(LessonError, match=r"no such lesson or file .*why-pad"):
        load_lesson("no-such-lesson")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LessonError, match=r"not UTF-8"):
        load_lesson(binary)
