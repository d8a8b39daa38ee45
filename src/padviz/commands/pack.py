"""`padviz pack`: pack a batch into fixed-length rows as transformers train (cu_seqlens,
position ids), text or JSON with --json."""

from __future__ import annotations

import argparse
import json

from padviz.commands.batch_source import add_batch_source, batch_from_args
from padviz.core.row_packing import ALGORITHMS, OVERFLOWS, PAD_POSITION, RowPacking

SEQUENCE_MARKS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pack",
        help="pack a batch into fixed-length rows (cu_seqlens, position ids)",
        description="Pack the sequences of a batch into rows of --row-length slots, as "
        "transformer training does: per row the sequences it holds, cu_seqlens and position ids "
        "that restart at each sequence (-1 for row padding). Give exactly one of --lengths, "
        "--preset or --file.",
    )
    add_batch_source(p)
    p.add_argument("--row-length", type=int, metavar="L", help="slots per row (required)")
    p.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        default="greedy",
        help="greedy (in order) or ffd (first-fit decreasing); default greedy",
    )
    p.add_argument(
        "--overflow",
        choices=OVERFLOWS,
        default="error",
        help="a sequence longer than a row: refuse it (default), cut it, or split it",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from padviz.cli import UsageError
    from padviz.core.row_packing import pack_rows

    batch = batch_from_args(args, "pack")
    if batch is None:
        return 0
    if args.row_length is None:
        raise UsageError("padviz pack: --row-length L is required")
    packing = pack_rows(batch.lengths, args.row_length, args.algorithm, args.overflow)
    print(json.dumps(packing.to_json()) if args.json else render_text(packing))
    return 0


def render_text(packing: RowPacking) -> str:
    """Each row as the sequence each slot holds ('.' for padding), then its numbers."""
    lines = [
        f"{len(packing.rows)} rows of {packing.row_length} ({packing.algorithm}, overflow "
        f"{packing.overflow}): {packing.real_tokens} real tokens, {packing.pad_tokens} pad "
        f"slots, efficiency {packing.efficiency:.1%}"
    ]
    rows = zip(packing.sequence_ids(), packing.cu_seqlens(), packing.position_ids(), strict=True)
    for r, (owners, cu, positions) in enumerate(rows):
        slots = " ".join("." if s < 0 else SEQUENCE_MARKS[s % len(SEQUENCE_MARKS)] for s in owners)
        shown = [p for p in positions if p != PAD_POSITION]
        pads = len(positions) - len(shown)
        padding = f" + {pads} x {PAD_POSITION} (padding)" if pads else ""
        lines.append(f"row {r}: [{slots}]  sequences {[p.sequence for p in packing.rows[r]]}")
        lines.append(f"        cu_seqlens {cu}  position_ids {shown}{padding}")
    return "\n".join(lines)
