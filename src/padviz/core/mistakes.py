"""The mistake lab: every common padding mistake, committed for real against the installed torch.

Each entry (padviz.core.mistakes_packing, mistakes_loss, mistakes_rows) writes two runnable
snippets for a batch: the wrong code and the fixed code. `run(name, lengths)` executes both, as
printed, in fresh namespaces. The wrong code either raises (outcome "error": the message is the
exception's own text, whatever this torch says) or runs and computes something else than the
per-sequence reference (outcome "silent": `evidence` holds the numbers that differ). The fix
counts as `fixed` when it ran and matched the reference to TOLERANCE.

Listing the catalogue needs no torch; running an entry imports it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from padviz.core.errors import PadvizError
from padviz.core.mistake_cells import AffectedCells
from padviz.core.mistake_spec import DEFAULT_LENGTHS, Lengths, Mistake
from padviz.core.mistakes_loss import MISTAKES as _LOSS
from padviz.core.mistakes_packing import MISTAKES as _PACKING
from padviz.core.mistakes_rows import MISTAKES as _ROWS

if TYPE_CHECKING:
    import torch

TOLERANCE = 1e-5  # float32 arithmetic in a different order (packed vs alone) stays well inside
MAX_SEQUENCES = 16  # the lab runs every sequence alone as well: small batches only
MAX_LENGTH = 64

ALL: dict[str, Mistake] = {m.name: m for m in (*_PACKING, *_LOSS, *_ROWS)}
Evidence = dict[str, Any]


class MistakeError(PadvizError):
    """An unknown mistake, or lengths the lab does not take."""


def get(name: str) -> Mistake:
    try:
        return ALL[name]
    except KeyError:
        raise MistakeError(f"unknown mistake {name!r} (known: {', '.join(ALL)})") from None


def check_lengths(lengths: Sequence[int]) -> Lengths:
    """Lengths the lab runs as given: 1 to MAX_SEQUENCES sequences of 1 to MAX_LENGTH."""
    if not 1 <= len(lengths) <= MAX_SEQUENCES:
        raise MistakeError(f"{len(lengths)} sequences: the mistake lab takes 1 to {MAX_SEQUENCES}")
    for i, n in enumerate(lengths):
        if not 1 <= n <= MAX_LENGTH:
            raise MistakeError(
                f"length {n} at position {i}: the mistake lab takes 1 to {MAX_LENGTH}"
            )
    return tuple(int(n) for n in lengths)


def fit_lengths(lengths: Sequence[int]) -> tuple[Lengths, str]:
    """The lengths the lab can take from any batch (the explorer's): the first MAX_SEQUENCES
    non-empty sequences, each cut to MAX_LENGTH; the note says what changed."""
    kept = [int(n) for n in lengths if n > 0]
    fitted = tuple(min(n, MAX_LENGTH) for n in kept[:MAX_SEQUENCES]) or DEFAULT_LENGTHS
    if fitted == tuple(lengths):
        return fitted, ""
    return fitted, (
        f"The lab runs small batches (up to {MAX_SEQUENCES} non-empty sequences of up to "
        f"{MAX_LENGTH} tokens): lengths {','.join(map(str, fitted))}."
    )


@dataclass(frozen=True)
class MistakeResult:
    """Both snippets run. `torch_message` / `error_type` for an error, `evidence` for a silent
    mistake; `fix_difference` is max |got - expected| of the fix (None when it failed, with
    `fix_error` saying why)."""

    name: str
    title: str
    line: str
    lengths: Lengths
    note: str
    wrong_code: str
    fix_code: str
    outcome: Literal["error", "silent"]
    torch_message: str | None
    error_type: str | None
    evidence: Evidence | None
    fixed: bool
    fix_difference: float | None
    fix_error: str | None = None
    fix_evidence: Evidence = field(default_factory=dict)
    wrong_excerpt: str = ""  # the set-up in a comment and the lines after it: shown first
    fix_excerpt: str = ""
    # A silent mistake's cells, (sequence as given, t) of a batch-major tensor padded on
    # `affected.padding_side`, found in what the wrong code computed; None for an error.
    affected: AffectedCells | None = None

    @property
    def affected_cells(self) -> tuple[tuple[int, int], ...]:
        return () if self.affected is None else self.affected.cells

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json object: the contract's keys, then the details."""
        return {
            "name": self.name,
            "title": self.title,
            "wrong_code": self.wrong_code,
            "fix_code": self.fix_code,
            "outcome": self.outcome,
            "torch_message": self.torch_message,
            "evidence": self.evidence,
            "fixed": self.fixed,
            "line": self.line,
            "lengths": list(self.lengths),
            "note": self.note,
            "error_type": self.error_type,
            "fix_difference": self.fix_difference,
            "fix_error": self.fix_error,
            "affected_cells": [list(cell) for cell in self.affected_cells],
            "affected_text": None if self.affected is None else self.affected.text,
            "padding_side": "right" if self.affected is None else self.affected.padding_side,
        }


def _quiet(*_args: object, **_kwargs: object) -> None:
    """The snippets' `print`: they print for whoever runs them by hand, not for padviz."""


def execute(code: str, label: str) -> tuple[dict[str, Any], BaseException | None]:
    """Run a snippet as printed in a fresh namespace, leaving torch's random state as it was;
    returns the namespace and the exception it raised (None)."""
    import torch

    namespace: dict[str, Any] = {"__name__": f"__padviz_mistake_{label}__", "print": _quiet}
    with torch.random.fork_rng(devices=[]):
        try:
            exec(compile(code, f"<mistake {label}>", "exec"), namespace)
        except Exception as exc:  # what the mistake does: reported, not raised
            return namespace, exc
    return namespace, None


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def compare(got: torch.Tensor, expected: torch.Tensor) -> Evidence:
    """max |got - expected| (over the overlap when the shapes differ, with both shapes), each
    scalar's value, and for a (B, H) state the sequences (rows) that differ."""
    a, b = got.detach().cpu().double(), expected.detach().cpu().double()
    evidence: Evidence = {}
    if a.shape != b.shape:
        evidence["got_shape"], evidence["expected_shape"] = list(a.shape), list(b.shape)
        if a.dim() != b.dim():
            evidence["max_abs_difference"] = None
            return evidence
        overlap = tuple(slice(0, min(x, y)) for x, y in zip(a.shape, b.shape, strict=True))
        a, b = a[overlap], b[overlap]
    diff = (a - b).abs()
    evidence["max_abs_difference"] = _number(float(diff.max())) if diff.numel() else 0.0
    if a.dim() == 0:
        evidence["got"], evidence["expected"] = _number(float(a)), _number(float(b))
    elif a.dim() == 2 and "got_shape" not in evidence:
        rows = diff.amax(dim=1)
        evidence["sequences_differing"] = [i for i, d in enumerate(rows.tolist()) if d > TOLERANCE]
    return evidence


def _compared(namespace: dict[str, Any]) -> Evidence:
    """compare()'s numbers, the snippet's own `evidence` right after the difference."""
    found = compare(namespace["got"], namespace["expected"])
    evidence: Evidence = {"max_abs_difference": found.pop("max_abs_difference")}
    extra = namespace.get("evidence")
    if isinstance(extra, dict):
        evidence.update(
            {str(k): _number(v) if isinstance(v, float) else v for k, v in extra.items()}
        )
    return evidence | {k: v for k, v in found.items() if k not in evidence}


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return "(" + ", ".join(map(str, value)) + ")"
    return "n/a" if value is None else str(value)


def evidence_text(evidence: Evidence) -> str:
    """The numbers that differ, in words: "max |got - expected| = 0.238; sequences 0, 1 differ
    ..."; a value already said under another name is said once."""
    parts: list[str] = []
    said: list[Any] = []
    for key, value in evidence.items():
        if key == "expected_shape" or value in said:
            continue
        if key == "max_abs_difference":
            parts.append(f"max |got - expected| = {_shown(value)}")
        elif key == "sequences_differing":
            rows = ", ".join(map(str, value))
            parts.append(
                f"sequence{'s' if len(value) != 1 else ''} {rows} differ from the reference"
                if value
                else "no sequence differs"
            )
        elif key == "got_shape":
            parts.append(
                f"got shape {_shown(value)} where {_shown(evidence.get('expected_shape'))} "
                "was expected"
            )
        else:
            parts.append(f"{key.replace('_', ' ')} {_shown(value)}")
        said.append(value)
    return "; ".join(parts)


def wrong_verdict(result: MistakeResult) -> str:
    """What torch did with the wrong code, in one line."""
    if result.outcome == "error":
        return f"torch raised {result.error_type}: {result.torch_message}"
    return f"No error, silently wrong: {evidence_text(result.evidence or {})}."


def fix_verdict(result: MistakeResult) -> str:
    if result.fixed:
        return (
            "Fixed: matches the per-sequence reference "
            f"(max |got - expected| = {result.fix_difference:.2g})."
        )
    why = result.fix_error or f"max |got - expected| = {_shown(result.fix_difference)}"
    return f"NOT fixed: {why}."


def _device_note(name: str) -> str:
    if name != "lengths_on_gpu":
        return ""
    import torch

    if torch.cuda.is_available():
        return "CUDA is present: the wrong code puts the lengths on the GPU."
    return (
        "There is no CUDA here, so the wrong code puts the lengths on torch's meta device: "
        "torch refuses them with the same message, naming that device."
    )


def run(name: str, lengths: Sequence[int] = DEFAULT_LENGTHS) -> MistakeResult:
    """Commit mistake `name` on a batch of these lengths (adjusted where the mistake needs a
    particular batch: see the result's note) and apply its fix."""
    mistake = get(name)
    used, note = mistake.prepare(check_lengths(lengths))
    note = " ".join(part for part in (note, _device_note(name)) if part)
    wrong_code, fix_code = mistake.wrong(used), mistake.fix(used)
    wrong_ns, error = execute(wrong_code, f"{name}_wrong")
    fix_ns, fix_exc = execute(fix_code, f"{name}_fix")
    fix_evidence: Evidence = {} if fix_exc is not None else _compared(fix_ns)
    difference = fix_evidence.get("max_abs_difference")
    fixed = (
        fix_exc is None
        and "got_shape" not in fix_evidence
        and difference is not None
        and difference <= TOLERANCE
    )
    return MistakeResult(
        name=name,
        title=mistake.title,
        line=mistake.line,
        lengths=used,
        note=note,
        wrong_code=wrong_code,
        fix_code=fix_code,
        outcome="error" if error is not None else "silent",
        torch_message=None if error is None else str(error),
        error_type=None if error is None else type(error).__name__,
        evidence=None if error is not None else _compared(wrong_ns),
        fixed=fixed,
        fix_difference=difference,
        fix_error=None if fix_exc is None else f"{type(fix_exc).__name__}: {fix_exc}",
        fix_evidence=fix_evidence,
        wrong_excerpt=mistake.wrong.excerpt,
        fix_excerpt=mistake.fix.excerpt,
        affected=None if error is not None or mistake.cells is None else mistake.cells(wrong_ns),
    )
