"""The mistakes lesson: eight mistakes, each tried then fixed, on the Mistakes tab; every caption's
claim checked against the run the window shows for that step (mistakes.run on the step's batch,
as the lab runs it); bad mistake steps refused naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pytest
import torch

from padviz.core import mistakes
from padviz.core.layout import compute_layout
from padviz.core.lessons import MISTAKE_STAGES, TABS, LessonError, load_lesson, parse_lesson
from padviz.core.mistakes import MistakeResult

from .test_lessons import _lesson

torch.set_num_threads(1)
LESSON = load_lesson("mistakes")
EIGHT = (
    "lengths_on_gpu",
    "unsorted_enforce_sorted",
    "forgot_unsort_h_n",
    "batch_first_mismatch",
    "bidirectional_h_n_last",
    "article_loss",
    "ignore_index_class0",
    "unpack_without_total_length",
)


@cache
def _result(name: str, lengths: tuple[int, ...]) -> MistakeResult:
    return mistakes.run(name, lengths)


def _rows(r: MistakeResult) -> set[int]:
    return {s for s, _ in r.affected_cells}


# Each claim: (result, layout of the step's batch, caption) -> bool. The wrong code's claims
# are about what torch did (its message, the cells), the fix's that it matches the reference.
def _gpu_refused(r, lay, caption) -> bool:
    device = "cuda" if torch.cuda.is_available() else "meta"
    return r.outcome == "error" and "CPU" in r.torch_message and device in r.torch_message


def _unsorted_refused(r, lay, caption) -> bool:
    descending = list(r.lengths) == sorted(r.lengths, reverse=True)
    return r.outcome == "error" and "sorted" in r.torch_message and not descending


def _every_row_moved(r, lay, caption) -> bool:
    order = sorted(range(len(r.lengths)), key=lambda i: -r.lengths[i])
    moved = {k for k, i in enumerate(order) if i != k}
    return r.outcome == "silent" and _rows(r) == moved == set(range(lay.B))


def _batch_read_as_time(r, lay, caption) -> bool:
    return (
        r.outcome == "silent"
        and r.evidence["got_shape"][0] == lay.T
        and len(r.affected_cells) == lay.B * lay.T
    )


def _all_backward(r, lay, caption) -> bool:
    return r.outcome == "silent" and _rows(r) == set(range(lay.B))


def _pads_counted(r, lay, caption) -> bool:
    pads = lay.B * lay.T - int(sum(r.lengths))
    return r.outcome == "silent" and len(r.affected_cells) == pads and f"{pads} pad" in caption


def _class0_dropped(r, lay, caption) -> bool:
    dropped = len(r.affected_cells)
    real = sum(r.lengths)
    return r.outcome == "silent" and f"here {dropped} of the {real}" in caption


def _replicas_differ(r, lay, caption) -> bool:
    half = (len(r.lengths) + 1) // 2  # as DataParallel scatters two replicas
    first, second = max(r.lengths[:half]), max(r.lengths[half:])
    return (
        r.outcome == "error"
        and f"size {first}" in r.torch_message
        and f"size {second}" in r.torch_message
        and f"{first} and {second} steps" in caption
    )


def _fixed(r, lay, caption) -> bool:
    return r.fixed and r.fix_difference is not None and r.fix_difference <= mistakes.TOLERANCE


CLAIMS: dict[tuple[str, str], Callable[[MistakeResult, object, str], bool]] = {
    ("lengths_on_gpu", "try"): _gpu_refused,
    ("unsorted_enforce_sorted", "try"): _unsorted_refused,
    ("forgot_unsort_h_n", "try"): _every_row_moved,
    ("batch_first_mismatch", "try"): _batch_read_as_time,
    ("bidirectional_h_n_last", "try"): _all_backward,
    ("article_loss", "try"): _pads_counted,
    ("ignore_index_class0", "try"): _class0_dropped,
    ("unpack_without_total_length", "try"): _replicas_differ,
    **{(name, "fix"): _fixed for name in EIGHT},
}


def test_eight_mistakes_each_tried_then_fixed_on_the_mistakes_tab() -> None:
    assert "mistakes" in TABS and MISTAKE_STAGES == ("try", "fix")
    shown = [(s.mistake.name, s.mistake.stage) for s in LESSON.steps if s.mistake is not None]
    assert shown == [(name, stage) for name in EIGHT for stage in ("try", "fix")]
    assert {s.tab for s in LESSON.steps} == {"mistakes"}
    assert all(name in mistakes.ALL for name in EIGHT)


@pytest.mark.parametrize("k", range(len(LESSON.steps)))
def test_each_caption_is_true_of_the_run_shown(k: int) -> None:
    step = LESSON.steps[k]
    lengths, _ = mistakes.fit_lengths(step.batch.lengths)  # as the lab takes the batch
    r = _result(step.mistake.name, lengths)
    assert r.lengths == tuple(step.batch.lengths)  # the explorer's batch itself, unchanged
    claim = CLAIMS[step.mistake.name, step.mistake.stage]
    assert claim(r, compute_layout(step.batch, step.options), step.caption), (
        claim.__name__,
        step.caption,
    )
    assert not re.search(r"[{}]", step.caption)
    # the steps' running numbers say the entry's place in the eight
    if step.mistake.stage == "try":
        assert step.caption.startswith(f"{EIGHT.index(step.mistake.name) + 1}. ")


@pytest.mark.parametrize(
    ("step", "where", "words"),
    [
        ({"tab": "mistakes"}, "step 2, mistake", "must name its mistake"),
        ({"mistake": {"name": "article_loss"}}, "step 2, mistake", "only a step on the mistakes"),
        ({"tab": "mistakes", "mistake": "article_loss"}, "step 2, mistake", "JSON object"),
        ({"tab": "mistakes", "mistake": {"name": "nope"}}, "step 2, mistake.name", "'nope'"),
        ({"tab": "mistakes", "mistake": {"name": [1]}}, "step 2, mistake.name", "[1]"),
        (
            {"tab": "mistakes", "mistake": {"name": "article_loss", "stage": "undo"}},
            "step 2, mistake.stage",
            "'undo' is not one of try, fix",
        ),
        (
            {"tab": "mistakes", "mistake": {"name": "article_loss", "when": 1}},
            "step 2, mistake.when",
            "unknown key",
        ),
    ],
)
def test_bad_mistake_steps_name_the_field(step: dict, where: str, words: str) -> None:
    with pytest.raises(LessonError) as info:
        parse_lesson(_lesson(**step), "mine.json", "mine")
    assert str(info.value).startswith(f"mine.json: {where}: ") and words in str(info.value)


def test_a_mistake_step_defaults_to_try() -> None:
    lesson = parse_lesson(
        _lesson(tab="mistakes", mistake={"name": "article_loss"}), "mine.json", "mine"
    )
    assert lesson.steps[1].mistake.stage == "try" and lesson.steps[0].mistake is None
