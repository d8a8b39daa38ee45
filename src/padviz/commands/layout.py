"""`padviz layout`: print how torch pads, masks and packs a batch (text, or JSON with --json)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from padviz.commands.batch_source import add_batch_source, batch_from_args
from padviz.core.options import ORDERS, SIDES

if TYPE_CHECKING:
    from padviz.core.batch import Batch
    from padviz.core.layout import Layout


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "layout",
        help="show the padded tensor, mask and PackedSequence of a batch",
        description="Show how torch pads, masks and packs a batch. Give exactly one of "
        "--lengths, --preset or --file.",
    )
    add_batch_source(p)
    side = p.add_mutually_exclusive_group()
    side.add_argument(
        "--batch-first", dest="batch_first", action="store_true", help="B x T (batch_first=True)"
    )
    side.add_argument(
        "--time-first", dest="batch_first", action="store_false", help="T x B, torch's default"
    )
    p.set_defaults(batch_first=False)
    p.add_argument("--padding-side", choices=SIDES, default="right")
    p.add_argument("--padding-value", type=float, default=0.0, metavar="V")
    p.add_argument(
        "--pad-to-multiple",
        type=int,
        metavar="N",
        help="grow the time dimension to a multiple of N",
    )
    p.add_argument("--max-length", type=int, metavar="N", help="truncate sequences to N tokens")
    p.add_argument("--order", choices=ORDERS, default="given")
    p.add_argument(
        "--buckets",
        type=int,
        default=2,
        metavar="K",
        help="number of length buckets for --order bucketed (default 2)",
    )
    p.add_argument(
        "--enforce-sorted",
        action="store_true",
        help="pack with enforce_sorted=True (torch refuses unsorted lengths)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    batch = batch_from_args(args, "layout")
    if batch is None:
        return 0
    from padviz.core.layout import compute_layout  # torch: only for good input
    from padviz.core.options import LayoutOptions

    options = LayoutOptions(
        batch_first=args.batch_first,
        padding_value=args.padding_value,
        padding_side=args.padding_side,
        pad_to_multiple_of=args.pad_to_multiple,
        max_length=args.max_length,
        order=args.order,
        buckets=args.buckets,
        enforce_sorted=args.enforce_sorted,
    )
    layout = compute_layout(batch, options)
    if args.json:
        print(json.dumps(layout_json(layout)))
    else:
        print(render_text(batch, layout))
    return 0


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def layout_json(layout: Layout) -> dict[str, Any]:
    """The --json object: the keys of the CLI contract plus order, T and buckets."""
    packed = layout.packed
    stats = layout.stats
    return {
        "lengths": layout.lengths.tolist(),
        "order": layout.order.tolist(),
        "T": layout.T,
        "padded": layout.padded.tolist(),
        "mask": layout.mask.int().tolist(),
        "packed": None
        if packed is None
        else {
            "batch_sizes": packed.batch_sizes.tolist(),
            "sorted_indices": None
            if packed.sorted_indices is None
            else packed.sorted_indices.tolist(),
            "unsorted_indices": None
            if packed.unsorted_indices is None
            else packed.unsorted_indices.tolist(),
            "rows": layout.packed_rows.tolist(),
        },
        "offsets": layout.offsets.tolist(),
        "buckets": [{"indices": b.indices.tolist(), "max_len": b.max_len} for b in layout.buckets],
        "stats": {
            "real_tokens": stats.real_tokens,
            "pad_cells": stats.pad_cells,
            "total_cells": stats.total_cells,
            "pad_ratio": stats.pad_ratio,
            "padded_bytes": stats.padded_bytes,
            "packed_bytes": stats.packed_bytes,
        },
        "pitfalls": [
            {"name": p.name, "severity": p.severity, "message": p.message} for p in layout.pitfalls
        ],
    }


def _grid(cells: list[list[str]], row_names: list[str], col_names: list[str]) -> list[str]:
    width = max(len(c) for row in [col_names, *cells] for c in row)
    head = max(len(n) for n in row_names)
    lines = [" " * head + "  " + " ".join(c.rjust(width) for c in col_names)]
    for name, row in zip(row_names, cells, strict=False):
        lines.append(name.rjust(head) + "  " + " ".join(c.rjust(width) for c in row))
    return lines


def render_text(batch: Batch, layout: Layout) -> str:
    o = layout.options
    padded = layout.padded.tolist()
    mask = layout.mask.tolist()
    if o.batch_first:
        rows, cols = [f"s{b}" for b in range(layout.B)], [f"t{t}" for t in range(layout.T)]
        shape = f"B={layout.B} x T={layout.T}, batch-first"
    else:
        rows, cols = [f"t{t}" for t in range(layout.T)], [f"s{b}" for b in range(layout.B)]
        shape = f"T={layout.T} x B={layout.B}, time-first"
    ids = [
        [str(_number(v)) if m else "." for v, m in zip(pr, mr, strict=False)]
        for pr, mr in zip(padded, mask, strict=False)
    ]
    bits = [["1" if m else "0" for m in mr] for mr in mask]
    out = [
        f"batch {batch.name!r}: {layout.B} sequences"
        if batch.name
        else f"batch: {layout.B} sequences",
        f"order ({o.order}): rows s0..s{layout.B - 1} are sequences {layout.order.tolist()}",
        f"lengths: {layout.lengths.tolist()}",
        "",
        (
            f"padded ({shape}, padding_side={o.padding_side}; '.' = padding_value "
            f"{_number(o.padding_value)}):"
        ),
        *_grid(ids, rows, cols),
        "",
        "mask (1 = real token):",
        *_grid(bits, rows, cols),
        "",
    ]
    packed = layout.packed
    if packed is None:
        out.append(f"packed: torch refused to pack: {layout.pack_error}")
    else:
        data = packed.data.tolist()
        sorted_idx = None if packed.sorted_indices is None else packed.sorted_indices.tolist()
        unsorted_idx = None if packed.unsorted_indices is None else packed.unsorted_indices.tolist()
        out.append(
            f"packed: {len(data)} rows, batch_sizes {packed.batch_sizes.tolist()}, "
            f"sorted_indices {sorted_idx}, unsorted_indices {unsorted_idx}"
        )
        for t, size in enumerate(packed.batch_sizes.tolist()):
            rows_t = layout.rows_at_time(t)
            held = ", ".join(
                f"{r}=s{layout.packed_rows[r][0]}:{_number(data[r])}"
                + ("(pad)" if layout.row_is_pad[r] else "")
                for r in rows_t
            )
            out.append(f"  t={t} batch_size {size}: rows {held}")
    s = layout.stats
    out += [
        "",
        f"offsets (cu_seqlens): {layout.offsets.tolist()}",
        "",
        (
            f"stats: {s.real_tokens} real tokens, {s.pad_cells} pad cells of {s.total_cells} "
            f"({100 * s.pad_ratio:.1f}% padding); padded {s.padded_bytes} B vs packed "
            f"{s.packed_bytes} B ({s.feature_size} x {s.dtype} per token)"
        ),
    ]
    if o.order == "bucketed":
        out.append(
            "buckets: "
            + "; ".join(
                f"sequences {b.indices.tolist()} padded to {b.max_len}" for b in layout.buckets
            )
        )
    out.append("")
    if not layout.pitfalls:
        out.append("pitfalls: none")
    else:
        out.append("pitfalls:")
        out += [f"  {p.name} ({p.severity}): {p.message}" for p in layout.pitfalls]
    return "\n".join(out)
