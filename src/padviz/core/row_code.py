"""The torch code behind the row-packing views, appended to padviz.core.codegen's script.

It starts from `given` (the batch as given, after truncation) and builds, exactly as
padviz.core.row_packing does, the rows (`input_ids`), `cu_seqlens`, `position_ids` and the
boolean block-diagonal causal `attn_mask` for torch.nn.functional.scaled_dot_product_attention,
then runs attention over the rows once; a test runs it and compares with the core and with each
sequence attended alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from padviz.core.layout import Layout

_PIECES = {
    "error": [
        "too_long = [i for i, s in enumerate(given) if len(s) > row_length]",
        "if too_long:  # overflow='error': refuse, as padviz does",
        '    raise ValueError(f"sequence {too_long[0]} is longer than a row ({row_length})")',
        "pieces = [(i, 0, s) for i, s in enumerate(given) if len(s)]",
    ],
    "truncate": [
        "# overflow='truncate': a sequence longer than a row loses its end.",
        "pieces = [(i, 0, s[:row_length]) for i, s in enumerate(given) if len(s)]",
    ],
    "split": [
        "# overflow='split': a longer sequence is cut into row-length pieces; each piece's",
        "# position ids continue where the previous one stopped.",
        "pieces = [",
        "    (i, start, s[start:start + row_length])",
        "    for i, s in enumerate(given)",
        "    for start in range(0, len(s), row_length)",
        "]",
    ],
}

_ALGORITHMS = {
    "greedy": [
        "# greedy: in the given order; a new row starts when the next piece does not fit.",
        "rows = []",
        "for piece in pieces:",
        "    if not rows or sum(len(p[2]) for p in rows[-1]) + len(piece[2]) > row_length:",
        "        rows.append([])",
        "    rows[-1].append(piece)",
    ],
    "ffd": [
        "# ffd (first-fit decreasing): longest first (a stable sort: ties keep their order),",
        "# each piece into the first row with room for it, else a new row.",
        "rows = []",
        "for piece in sorted(pieces, key=lambda p: -len(p[2])):",
        "    for row in rows:",
        "        if sum(len(p[2]) for p in row) + len(piece[2]) <= row_length:",
        "            row.append(piece)",
        "            break",
        "    else:",
        "        rows.append([piece])",
    ],
}

_BUILD = [
    "R = len(rows)",
    "input_ids = torch.zeros(R, row_length, dtype=torch.long)  # 0: row padding",
    "position_ids = torch.full((R, row_length), -1)  # restart at 0 in every sequence",
    "document_ids = torch.full((R, row_length), -1)  # which piece of its row a slot holds",
    "cu_seqlens = []  # per row: where each piece starts, then the row's real end",
    "for r, row in enumerate(rows):",
    "    starts = [0]",
    "    for k, (i, first, tokens) in enumerate(row):",
    "        a, b = starts[-1], starts[-1] + len(tokens)",
    "        input_ids[r, a:b] = tokens",
    "        position_ids[r, a:b] = torch.arange(first, first + len(tokens))",
    "        document_ids[r, a:b] = k",
    "        starts.append(b)",
    "    cu_seqlens.append(starts)",
    "",
    "# The mask for F.scaled_dot_product_attention (True: may attend), (R, L, L): causal, and",
    "# block-diagonal so that no token sees another sequence of its row.",
    "real = document_ids >= 0",
    "causal = torch.ones(row_length, row_length, dtype=torch.bool).tril()",
    "same_document = document_ids[:, :, None] == document_ids[:, None, :]",
    "attn_mask = causal & same_document & real[:, :, None] & real[:, None, :]",
    "# PITFALL: without `same_document` a sequence attends to the ones before it in its row.",
    "",
    "# Next-token labels stop at each sequence's end: its last token would otherwise be",
    "# trained to predict the next sequence's first one. -100 is cross_entropy's ignore_index.",
    "labels = torch.full_like(input_ids, -100)",
    "same_next = (document_ids[:, 1:] == document_ids[:, :-1]) & real[:, 1:]",
    "labels[:, :-1][same_next] = input_ids[:, 1:][same_next]",
    "",
    "# Attention over the rows (one head; q, k, v: (R, heads, L, d)). A padding slot attends",
    "# to itself only: a query row with nothing to attend to comes out as NaN.",
    "torch.manual_seed(0)",
    "q, k, v = torch.randn(3, R, 1, row_length, 8).unbind(0)",
    "safe_mask = attn_mask | (~real[:, :, None] & torch.eye(row_length, dtype=torch.bool))",
    "attended = F.scaled_dot_product_attention(q, k, v, attn_mask=safe_mask[:, None])",
    "# position_ids index a position embedding: clamp the padding's -1 first,",
    "# e.g. pos_embedding(position_ids.clamp(min=0)); the mask hides those slots anyway.",
    "",
    "# Kernels that skip the mask take the boundaries instead: flash-attn's",
    "# flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k,",
    "# causal=True) over the real tokens of all rows flattened (cu_seqlens as one int32 tensor",
    "# across rows), and flex_attention a BlockMask built from document_ids:",
    "#   from torch.nn.attention.flex_attention import create_block_mask, flex_attention",
    "#   def document_causal(b, h, q_idx, kv_idx):",
    "#       same = document_ids[b, q_idx] == document_ids[b, kv_idx]",
    "#       return same & (q_idx >= kv_idx) & (document_ids[b, q_idx] >= 0)",
    "#   block_mask = create_block_mask(document_causal, R, None, row_length, row_length)",
    "#   attended = flex_attention(q, k, v, block_mask=block_mask)",
    "",
    'print("rows", [[p[0] for p in row] for row in rows])',
    'print("cu_seqlens", cu_seqlens)',
    'print("position_ids", position_ids.tolist())',
]


def row_packing_code(layout: Layout, row_length: int) -> str:
    """The script's row-packing section for this layout's options (a sequence too long for
    a row under overflow "error" makes it raise, as padviz refuses it)."""
    o = layout.options
    head = [
        "",
        "",
        "# ---- Row packing, as transformers train: several sequences per row ----",
        "import torch.nn.functional as F",
        "",
        f"row_length = {row_length}",
    ]
    return "\n".join(head + _PIECES[o.row_overflow] + _ALGORITHMS[o.row_algorithm] + _BUILD) + "\n"
