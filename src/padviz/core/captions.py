"""Caption templates: a lesson step's caption names figures of its layout ({pad_ratio},
{batch_sizes}, ...: CAPTION_FIELDS) and the latest results of its training runs
({packed.masked_loss}: TRAINING_METRICS), and is filled from them, so what it says is what the
views and the runs on screen show.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any

from padviz.core.layout import Layout, compare_waste
from padviz.core.models import ALL_MODES
from padviz.core.row_views import RowMaskGrid, RowsGrid, pack_layout
from padviz.core.views import time_caption

CAPTION_FIELDS = {
    "B": "number of sequences",
    "T": "time steps of the padded tensor",
    "shape": "shape of the padded tensor as torch returns it, e.g. (7, 3)",
    "lengths": "lengths in the order given, e.g. 5, 3, 7",
    "row_lengths": "lengths in the order used (sorted, bucketed), after truncation",
    "max_len": "longest length (after truncation)",
    "min_len": "shortest length",
    "real_tokens": "real tokens",
    "pad_cells": "pad cells",
    "total_cells": "cells of the padded tensor(s)",
    "pad_ratio": "share of padding, e.g. 28.6%",
    "padded_bytes": "memory of the padded tensor(s)",
    "packed_bytes": "memory of the packed data",
    "feature_size": "values per token assumed for the memory figures",
    "batch_sizes": "the PackedSequence's batch_sizes, e.g. 3, 3, 3, 2, 2, 1, 1",
    "packed_rows": "rows of the PackedSequence's data (= real tokens when right-padded)",
    "sorted_indices": "the PackedSequence's sorted_indices",
    "unsorted_indices": "the PackedSequence's unsorted_indices",
    "given_pad_ratio": "pad ratio in the order given",
    "sorted_pad_ratio": "pad ratio sorted by length",
    "bucketed_pad_ratio": "pad ratio bucketed (the options' bucket count)",
    "given_pad_cells": "pad cells in the order given",
    "bucketed_pad_cells": "pad cells bucketed",
    "buckets": "the options' bucket count",
    "pitfalls": "titles of the pitfalls this layout hits, or none",
    "row_length": "slots per row of the row packing",
    "rows": "rows of the row packing (or why it refused)",
    "row_pad_slots": "pad slots of the row packing",
    "row_efficiency": "real tokens / (rows x row length), e.g. 93.8%",
    "mask_row": "the row (or padded sequence) whose attention mask is drawn",
    "row_sequences": "the sequences in that row, e.g. 0, 1",
    "cu_seqlens": "that row's cu_seqlens, e.g. 0, 5, 8",
    "position_ids": "that row's position ids (real slots), e.g. 0, 1, 2, 3, 4, 0, 1, 2",
    "leaks": "mask cells that let a token see another sequence (row_mask causal)",
    "t": "the highlighted time step",
    "running": "batch_sizes[t] at the highlighted time step",
    "time_caption": "the packed-time caption at the highlighted time step",
}


def _bytes(n: int) -> str:
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _ints(values: Any) -> str:
    return ", ".join(str(int(v)) for v in values)


def caption_fields(layout: Layout, time: int | None = None) -> dict[str, str]:
    """The figures a caption template may name (see CAPTION_FIELDS), as display strings."""
    stats = layout.stats
    waste = compare_waste(layout.batch, layout.options)
    not_packed = "(not packed: torch refused)"
    packed = layout.packed
    fields_ = {
        "B": str(layout.B),
        "T": str(layout.T),
        "shape": str(tuple(layout.padded.shape)),
        "lengths": _ints(layout.batch.lengths_array),
        "row_lengths": _ints(layout.lengths),
        "max_len": str(int(layout.lengths.max())),
        "min_len": str(int(layout.lengths.min())),
        "real_tokens": str(stats.real_tokens),
        "pad_cells": str(stats.pad_cells),
        "total_cells": str(stats.total_cells),
        "pad_ratio": f"{stats.pad_ratio:.1%}",
        "padded_bytes": _bytes(stats.padded_bytes),
        "packed_bytes": _bytes(stats.packed_bytes),
        "feature_size": str(stats.feature_size),
        "batch_sizes": _ints(layout.batch_sizes) if packed is not None else not_packed,
        "packed_rows": str(len(layout.packed_rows)) if packed is not None else not_packed,
        "sorted_indices": not_packed,
        "unsorted_indices": not_packed,
        "given_pad_ratio": f"{waste['given'].pad_ratio:.1%}",
        "sorted_pad_ratio": f"{waste['sorted'].pad_ratio:.1%}",
        "bucketed_pad_ratio": f"{waste['bucketed'].pad_ratio:.1%}",
        "given_pad_cells": str(waste["given"].pad_cells),
        "bucketed_pad_cells": str(waste["bucketed"].pad_cells),
        "buckets": str(layout.options.buckets),
        "pitfalls": ", ".join(p.title or p.name for p in layout.pitfalls) or "none",
    }
    if packed is not None:
        identity = _ints(range(layout.B))
        for name in ("sorted_indices", "unsorted_indices"):
            tensor = getattr(packed, name)
            fields_[name] = identity if tensor is None else _ints(tensor.tolist())
    fields_.update(_row_fields(layout))
    if time is not None:
        fields_["t"] = str(time)
        fields_["running"] = str(int(layout.batch_sizes[time]))
        fields_["time_caption"] = time_caption(layout, time)
    return fields_


def _row_fields(layout: Layout) -> dict[str, str]:
    """The row-packing figures, of the row whose mask the explorer draws."""
    packing, row_length, error = pack_layout(layout)
    rows = RowsGrid(layout, packing=packing, row_length=row_length, error=error)
    mask = RowMaskGrid(layout, rows=rows)
    fields_ = {"row_length": str(row_length), "mask_row": str(mask.shown), "leaks": "0"}
    if packing is None or not packing.rows:
        refused = f"(not packed: {error})" if error else "(no rows)"
        names = ("rows", "row_pad_slots", "row_efficiency", "row_sequences", "cu_seqlens")
        return fields_ | dict.fromkeys((*names, "position_ids"), refused)
    shown = mask.shown if layout.options.row_mask != "padded" else 0
    positions = [p for p in packing.position_ids()[shown] if p >= 0]
    return fields_ | {
        "rows": str(len(packing.rows)),
        "row_pad_slots": str(packing.pad_tokens),
        "row_efficiency": f"{packing.efficiency:.1%}",
        "row_sequences": _ints(p.sequence for p in packing.rows[shown]),
        "cu_seqlens": _ints(packing.cu_seqlens()[shown]),
        "position_ids": _ints(positions),
        "leaks": str(mask.leaks),
    }


# {run.metric}: the latest value of a training run, as the metrics table shows it
TRAINING_METRICS = {
    "step": "{:.0f}",
    "masked_loss": "{:.3f}",
    "unmasked_loss": "{:.3f}",
    "accuracy": "{:.1%}",
    "pad_share": "{:.0%}",
}
NO_RESULT = "…"  # a run with no step yet


def latest_results(curves: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """mode -> {metric: latest value} for runs' curves (padviz.core.curves.Curves); runs
    without a step are left out."""
    return {
        mode: {metric: float(run.last(metric)) for metric in TRAINING_METRICS}
        for mode, run in curves.items()
        if len(run)
    }


def training_fields(results: Mapping[str, Mapping[str, float]]) -> dict[str, str]:
    """Every {run.metric} as display text: from `results` where the run has them, else "…"."""
    fields_ = {}
    for mode in ALL_MODES:
        values = results.get(mode, {})
        for metric, fmt in TRAINING_METRICS.items():
            value = values.get(metric)
            shown = NO_RESULT if value is None or math.isnan(value) else fmt.format(value)
            fields_[f"{mode}.{metric}"] = shown
    return fields_


def _is_result(name: str) -> bool:
    run, _, metric = name.partition(".")
    return run in ALL_MODES and metric in TRAINING_METRICS


def template_names(template: str) -> list[str]:
    """The {names} of a template; refuses {a[0]}, {a!r}, {a:spec}, unmatched braces and
    dotted names other than {run.metric}."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not (name.isidentifier() or _is_result(name)) or spec or conversion:
            if "." in name:
                runs, metrics = ", ".join(ALL_MODES), ", ".join(TRAINING_METRICS)
                raise ValueError(
                    f"{{{name}}}: write {{run.metric}} with a run of {runs} and "
                    f"a metric of {metrics}"
                )
            raise ValueError(f"write plain {{name}} placeholders, not {{{name}...}}")
        names.append(name)
    return names


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with each {name} replaced by values[name] ({{ and }} become braces)."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(values[name])
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def fill_layout_fields(template: str, layout: Layout, time: int | None = None) -> str:
    """The template with this layout's figures in and its {run.metric} placeholders kept, to
    be filled with `Step.caption_for` once runs have results."""
    values = caption_fields(layout, time)
    for name in template_names(template):
        if not _is_result(name) and name not in values:
            if name in CAPTION_FIELDS:
                raise ValueError(f"{{{name}}} needs a highlighted time step")
            raise ValueError(f"unknown placeholder {{{name}}} (known: {', '.join(CAPTION_FIELDS)})")
    parts: list[str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(_escape(literal))
        if field is not None:
            parts.append("{" + field + "}" if _is_result(field) else _escape(values[field]))
    return "".join(parts)


def fill_caption(
    template: str,
    layout: Layout,
    time: int | None = None,
    results: Mapping[str, Mapping[str, float]] | None = None,
) -> str:
    """The template with its {names} replaced by this layout's figures and its {run.metric}s
    by `results` (mode -> latest values; "…" for runs without)."""
    partial = fill_layout_fields(template, layout, time)
    return render(partial, training_fields(results or {}))
