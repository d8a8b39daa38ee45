"""The known padding mistakes: stable names, what torch really does, and the fix.

`detect` finds the ones a batch's lengths and layout options run into; `explain` and `ALL` give
every one, including those that concern training (the article's loss, ignore_index=0, h_n of a
padded batch) and are shown by the training views. Every claim here is checked against torch
itself in tests/core/test_pitfalls.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from padviz.core.options import LayoutOptions

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Pitfall:
    """One mistake. `detect` prefixes the general message with the specifics it found."""

    name: str
    message: str
    severity: Severity
    title: str = ""


_CATALOGUE: tuple[Pitfall, ...] = (
    Pitfall(
        "zero_length",
        "pack_padded_sequence refuses a sequence of length 0 (RuntimeError: 'Length of all "
        "samples has to be greater than 0'), while pad_sequence quietly turns it into a row of "
        "pure padding that an unpacked RNN would read. Drop empty sequences before batching, or "
        "give every sequence at least one token (for example an end-of-sequence token).",
        "error",
        "A sequence of length 0",
    ),
    Pitfall(
        "length_exceeds_T",
        "A length is larger than the padded tensor's time dimension T. pack_padded_sequence does "
        "not check this: it returns a corrupt PackedSequence whose batch_sizes promise more time "
        "steps and more rows than its data holds. Nothing fails yet; the error comes later and "
        "far from its cause, as a shape error in pad_packed_sequence or a RuntimeError inside "
        "the LSTM ('start (6) + length (1) exceeds dimension size (6)'). Compute the lengths "
        "from the very sequences you padded, after any truncation: "
        "lengths = torch.tensor([len(s) for s in sequences]).",
        "error",
        "A length larger than the padded tensor",
    ),
    Pitfall(
        "left_padding_packed",
        "pack_padded_sequence assumes right padding: it takes the first `length` steps of every "
        "row. On a left-padded tensor those steps are the pads, so it packs padding and drops "
        "the sequence's last real tokens, with no error or warning, and the RNN's outputs and "
        "final state come from the wrong steps. Pack right-padded tensors (padding_side='right', "
        "the default) or call pack_sequence on the unpadded sequences; left padding is for "
        "models that read the last column, such as decoder-only transformers.",
        "error",
        "Left padding, then packing",
    ),
    Pitfall(
        "lengths_on_cuda",
        "pack_padded_sequence needs the lengths as a 1-D int64 tensor on the CPU, even when the "
        "data is on the GPU: a CUDA lengths tensor raises RuntimeError (\"'lengths' argument "
        'should be a 1D CPU int64 tensor, but got 1D cuda:0 Long tensor"). Keep the lengths '
        "on the CPU or pass lengths.cpu(); torch needs them on the host to build batch_sizes.",
        "error",
        "Lengths on the GPU",
    ),
    Pitfall(
        "float_lengths",
        "Float lengths are converted with .to(torch.int64), which truncates: 4.9 becomes 4, "
        "silently, and that sequence loses its last token. Lengths are counts: keep them as "
        "integers (torch.long), e.g. mask.sum(1) of a bool mask rather than of a float one.",
        "warning",
        "Float lengths",
    ),
    Pitfall(
        "unsorted_enforce_sorted",
        "With enforce_sorted=True (the default) pack_padded_sequence requires the lengths in "
        "decreasing order and raises RuntimeError otherwise. Pass enforce_sorted=False and torch "
        "sorts the batch itself and puts outputs and h_n back in batch order (sorted_indices / "
        "unsorted_indices), or sort the batch by length first. enforce_sorted=True is only "
        "needed for ONNX export.",
        "error",
        "Unsorted lengths with enforce_sorted=True",
    ),
    Pitfall(
        "truncated",
        "Truncation to max_length cuts the end off the longer sequences: the model never sees "
        "those tokens. That can be the right trade for memory, but per-token targets must be "
        "cut the same way, and a per-sequence label may depend on the part that was cut.",
        "warning",
        "Sequences truncated",
    ),
    Pitfall(
        "unpack_drops_padding",
        "pad_packed_sequence pads back only to the longest length in the batch, so the columns "
        "added beyond it (here by pad_to_multiple_of) are dropped and the unpacked output is "
        "narrower than the input, its mask and its targets. Pass total_length=T to get the "
        "original shape back.",
        "info",
        "Unpacking drops the extra padding",
    ),
    Pitfall(
        "more_buckets_than_sequences",
        "A bucket cannot be empty, so a batch cut into more length buckets than it has "
        "sequences gets one bucket per sequence: each padded to its own length, with no padding "
        "at all, which is why the bucketed waste reads zero. A length-grouped sampler only "
        "saves this much when every bucket holds many sequences of similar length; ask for "
        "fewer buckets than sequences to see the padding a real bucket keeps.",
        "info",
        "More buckets than sequences",
    ),
    Pitfall(
        "padding_value_is_token",
        "The padding value is also the id of a real token in this batch, so in the padded tensor "
        "pads and that token look the same: a mask made with `padded != padding_value` hides "
        "real tokens too, and an Embedding(padding_idx=...) cannot tell them apart. Build the "
        "mask from the lengths, and pad with the reserved id 0.",
        "warning",
        "Padding value used by a real token",
    ),
    Pitfall(
        "article_loss_scalar",
        "F.cross_entropy with the default reduction='mean' returns one scalar, so `loss * mask` "
        "only copies that scalar into the real positions, and sum(loss * mask) / sum(mask) gives "
        "the same scalar back: the mask masks nothing. Ask for per-token losses with "
        "reduction='none' and take (loss * mask).sum() / mask.sum().clamp_min(1), or set the pad "
        "targets to -100 and keep the default ignore_index.",
        "error",
        "The article's masked loss is not masked",
    ),
    Pitfall(
        "ignore_index_drops_class0",
        "ignore_index=0 skips every target equal to 0. When 0 is also a real class (a digit, a "
        "tag, a label), those real tokens drop out of the loss and the gradients, and the model "
        "never learns that class. Mark pads with a value no real target uses, as the default "
        "ignore_index=-100 does: targets.masked_fill(~mask, -100).",
        "warning",
        "ignore_index=0 also drops class 0",
    ),
    Pitfall(
        "padded_h_n",
        "An LSTM run on a padded batch without packing keeps stepping through the pads, so h_n "
        "of every shorter sequence is the state after its pads, not after its last token; in a "
        "bidirectional LSTM the backward direction even starts on the pads. A per-sequence head "
        "on h_n then reads the wrong state. Pack the batch with the true lengths: h_n then "
        "equals running each sequence alone.",
        "warning",
        "h_n of a padded batch",
    ),
)

ALL: dict[str, Pitfall] = {p.name: p for p in _CATALOGUE}


def explain(name: str) -> Pitfall:
    """The pitfall with this stable name (KeyError naming the known ones otherwise)."""
    try:
        return ALL[name]
    except KeyError:
        raise KeyError(f"unknown pitfall {name!r} (known: {', '.join(ALL)})") from None


def with_detail(name: str, detail: str) -> Pitfall:
    """The named pitfall with `detail` (what was found here) put before its explanation."""
    base = ALL[name]
    return Pitfall(name, f"{detail} {base.message}", base.severity, base.title)


def _listed(values: Sequence[float], limit: int = 5) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def detect(
    lengths: Sequence[float],
    T: int,
    options: LayoutOptions,
    lengths_device: str = "cpu",
    lengths_dtype: str = "int64",
) -> list[Pitfall]:
    """The pitfalls hit when these lengths (before truncation, in the order they are packed)
    go with a padded tensor of T time steps under these options."""
    found: list[Pitfall] = []
    raw = [float(n) for n in lengths]
    if lengths_dtype.startswith(("float", "double", "half", "bfloat")) or any(
        not n.is_integer() for n in raw
    ):
        fractional = [n for n in raw if not n.is_integer()]
        detail = (
            f"Lengths {_listed(fractional)} would become "
            f"{_listed([math.trunc(n) for n in fractional])}."
            if fractional
            else f"The lengths are {lengths_dtype}: whole values survive, fractions would not."
        )
        found.append(with_detail("float_lengths", detail))
    ints = [math.trunc(n) for n in raw]
    if options.max_length is not None:
        cut = [n for n in ints if n > options.max_length]
        if cut:
            dropped = sum(n - options.max_length for n in cut)
            found.append(
                with_detail(
                    "truncated",
                    f"{len(cut)} of {len(ints)} sequences are cut to {options.max_length} tokens "
                    f"({dropped} tokens dropped).",
                )
            )
        ints = [min(n, options.max_length) for n in ints]
    empty = [i for i, n in enumerate(ints) if n <= 0]
    if empty:
        found.append(
            with_detail(
                "zero_length", f"Sequence(s) at {_listed(empty)} have length {ints[empty[0]]}."
            )
        )
    too_long = [n for n in ints if n > T]
    if too_long:
        found.append(
            with_detail("length_exceeds_T", f"Length(s) {_listed(too_long)} exceed T = {T}.")
        )
    if options.padding_side == "left":
        short = sum(1 for n in ints if 0 < n < T)
        detail = (
            f"{short} of {len(ints)} sequences are shorter than T = {T}: each is packed from "
            "its pads and loses its last tokens."
            if short
            else "Every sequence fills T here, so nothing is lost yet; any shorter one would be."
        )
        found.append(with_detail("left_padding_packed", detail))
    if lengths_device != "cpu":
        found.append(with_detail("lengths_on_cuda", f"The lengths are on {lengths_device}."))
    if options.enforce_sorted:
        drops = [i for i in range(1, len(ints)) if ints[i] > ints[i - 1]]
        if drops:
            i = drops[0]
            found.append(
                with_detail(
                    "unsorted_enforce_sorted",
                    f"Length {ints[i]} at position {i} follows {ints[i - 1]}.",
                )
            )
    if options.order == "bucketed" and options.buckets > len(ints) > 0:
        found.append(
            with_detail(
                "more_buckets_than_sequences",
                f"buckets {options.buckets} but the batch has {len(ints)} sequences: "
                f"{len(ints)} buckets are used.",
            )
        )
    longest = max(ints, default=0)
    if 0 < longest < T:
        found.append(
            with_detail(
                "unpack_drops_padding",
                f"T = {T} but the longest sequence has {longest} tokens.",
            )
        )
    return found


def padding_value_pitfall(values: np.ndarray, options: LayoutOptions) -> list[Pitfall]:
    """The padding value is also a token id of the batch (`values`: its real tokens)."""
    if not options.integral_padding:
        return []
    count = int(np.count_nonzero(values == int(options.padding_value)))
    if not count:
        return []
    return [
        with_detail(
            "padding_value_is_token",
            f"padding_value {options.padding_value:g} is token id "
            f"{int(options.padding_value)}, which occurs {count} times in the batch.",
        )
    ]
