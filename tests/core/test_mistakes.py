"""The mistake lab against the installed torch: every wrong snippet misbehaves as its entry says,
every fix matches the per-sequence reference, and what is shown is what ran."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

import padviz
from padviz.core import mistakes
from padviz.core.errors import PadvizError
from padviz.core.mistakes import ALL, TOLERANCE, MistakeError, compare, run

SOURCE = Path(padviz.__file__).parent
# Well above float noise: a silent mistake must change the numbers, not their rounding.
CLEARLY = 1e-3


@pytest.fixture(scope="module")
def results() -> dict[str, mistakes.MistakeResult]:
    return {name: run(name) for name in ALL}


def test_the_catalogue_covers_the_issue() -> None:
    assert len(ALL) >= 14
    assert {m.expect for m in ALL.values()} == {"error", "silent"}
    for m in ALL.values():
        assert m.title and m.line and "\n" not in m.line
        # the lines the window marks, and the excerpt is the script's own lines
        assert "# MISTAKE" in m.wrong.excerpt and "# FIX" in m.fix.excerpt, m.name
        script = m.wrong((5, 3, 7))
        summary = m.wrong.setup.summary.splitlines()
        assert m.wrong.excerpt.splitlines()[: len(summary)] == summary
        assert all(line in script for line in m.wrong.excerpt.splitlines()[len(summary) :])


@pytest.mark.parametrize("name", list(ALL))
def test_each_mistake_does_what_it_says_and_its_fix_works(name, results) -> None:
    r = results[name]
    assert r.outcome == ALL[name].expect
    if r.outcome == "error":
        assert r.torch_message and r.error_type and r.evidence is None
    else:
        assert r.torch_message is None
        assert r.evidence is not None
        difference = r.evidence["max_abs_difference"]
        assert difference is None or difference > CLEARLY  # None: not even the same rank
    assert r.fixed, r.fix_error
    assert r.fix_difference is not None and r.fix_difference <= TOLERANCE


@pytest.mark.parametrize("name", list(ALL))
def test_the_shown_code_is_what_ran(name, results) -> None:
    """Executed again here, as shown: the same exception text, the same numbers."""
    r = results[name]
    namespace, error = mistakes.execute(r.wrong_code, "again")
    if r.outcome == "error":
        assert error is not None and str(error) == r.torch_message
        assert type(error).__name__ == r.error_type
    else:
        assert error is None
        got = compare(namespace["got"], namespace["expected"])["max_abs_difference"]
        assert got == r.evidence["max_abs_difference"]
    namespace, error = mistakes.execute(r.fix_code, "again")
    assert error is None
    assert torch.allclose(namespace["got"], namespace["expected"], rtol=0, atol=TOLERANCE)


def test_error_messages_are_torchs_own_not_padviz_text(results) -> None:
    """Captured from torch: none of them is written anywhere in padviz's source."""
    source = "\n".join(p.read_text("utf-8") for p in SOURCE.rglob("*.py"))
    for r in results.values():
        if r.outcome == "error":
            assert r.torch_message not in source, r.name


def test_errors_match_torch_called_directly(results) -> None:
    padded = pad_sequence([torch.zeros(3, 1), torch.zeros(2, 1)])
    expected = {}
    for name, call in {
        "zero_length": lambda: pack_padded_sequence(padded, torch.tensor([3, 0])),
        "unsorted_enforce_sorted": lambda: pack_padded_sequence(padded, torch.tensor([2, 3])),
        "pad_target_minus_one": lambda: torch.nn.functional.cross_entropy(
            torch.zeros(2, 5), torch.tensor([1, -1])
        ),
    }.items():
        with pytest.raises(Exception) as caught:
            call()
        expected[name] = (type(caught.value).__name__, str(caught.value))
    for name, (kind, message) in expected.items():
        assert (results[name].error_type, results[name].torch_message) == (kind, message)


def test_lengths_on_the_gpu_without_cuda_uses_meta_and_says_so(results) -> None:
    r = results["lengths_on_gpu"]
    device = "cuda" if torch.cuda.is_available() else "meta"
    assert device in r.torch_message
    assert ("meta device" in r.note) != torch.cuda.is_available()
    assert "'lengths' argument should be a 1D CPU int64 tensor" in r.torch_message


def test_silent_evidence_names_what_differs(results) -> None:
    assert results["forgot_unsort_h_n"].evidence["sequences_differing"]
    bf = results["batch_first_mismatch"].evidence
    assert bf["got_shape"] == [7, 6] and bf["expected_shape"] == [3, 6]
    article = results["article_loss"].evidence
    assert abs(article["article_loss"] - article["token_mean_loss"]) > CLEARLY
    ignored = results["ignore_index_class0"].evidence
    assert ignored["tokens_counted"] < ignored["real_tokens"] == 15
    accumulated = results["accumulation_mean_of_means"].evidence
    assert accumulated["max_gradient_difference"] > CLEARLY
    assert results["mask_wrong_major"].evidence["pad_cells_counted"] > 0
    # left padding: the one sequence as long as T is right, the shorter ones are not
    assert results["left_padding_packed"].evidence["sequences_differing"] == [0, 1]


@pytest.mark.parametrize("lengths", [(1,), (9, 2, 6, 1)])
def test_other_batches_show_every_mistake_too(lengths) -> None:
    for name, mistake in ALL.items():
        r = run(name, lengths)
        assert r.outcome == mistake.expect, (name, r.lengths)
        if r.outcome == "silent":
            difference = r.evidence["max_abs_difference"]
            assert difference is None or difference > CLEARLY, (name, r.lengths)
        assert r.fixed, (name, r.lengths, r.fix_error)


def test_batches_are_adjusted_only_where_the_mistake_needs_it() -> None:
    assert run("left_padding_packed", (6, 2)).lengths == (6, 2)
    r = run("unsorted_enforce_sorted", (7, 4, 2))
    assert r.lengths == (2, 4, 7) and "reversed" in r.note
    r = run("zero_length", (3, 2))
    assert r.lengths == (3, 2, 0) and "length 0" in r.note
    r = run("article_loss", (4, 4))
    assert r.lengths == (5, 3, 7) and "different lengths" in r.note
    assert run("lengths_too_short", (1, 3)).lengths == (2, 3)


def test_running_leaves_torchs_random_state_alone() -> None:
    before = torch.random.get_rng_state()
    run("left_padding_packed")
    assert torch.equal(torch.random.get_rng_state(), before)


def test_bad_names_and_lengths_are_refused_naming_the_limit() -> None:
    with pytest.raises(MistakeError, match=r"unknown mistake 'nope'.*zero_length"):
        run("nope")
    with pytest.raises(PadvizError, match=r"length 65 at position 1: .* 1 to 64"):
        run("zero_length", (3, 65))
    with pytest.raises(PadvizError, match=r"17 sequences: .* 1 to 16"):
        run("zero_length", (2,) * 17)
    with pytest.raises(PadvizError, match="length 0 at position 0"):
        run("zero_length", (0, 2))


def test_fit_lengths_takes_any_batch_and_says_what_changed() -> None:
    assert mistakes.fit_lengths([5, 3, 7]) == ((5, 3, 7), "")
    fitted, note = mistakes.fit_lengths([0, 100, *([2] * 20)])
    assert fitted == (64, *([2] * 15)) and "up to 16" in note
    assert mistakes.fit_lengths([])[0] == (5, 3, 7)


def test_a_snippet_runs_as_a_script(results, tmp_path) -> None:
    script = tmp_path / "fix.py"
    script.write_text(results["accumulation_mean_of_means"].fix_code, "utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "got: tensor(" in done.stdout and "expected: tensor(" in done.stdout
