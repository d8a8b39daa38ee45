"""The generated code runs as printed and produces exactly the layout padviz shows."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.batch import Batch, from_lengths, from_text, load_preset
from padviz.core.codegen import layout_code
from padviz.core.layout import compute_layout
from padviz.core.options import LayoutOptions

from .test_layout import options_strategy


def run_code(code: str) -> tuple[dict, str]:
    namespace: dict = {"__name__": "__padviz_generated__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<layout_code>", "exec"), namespace)
    return namespace, out.getvalue()


def check_code(batch: Batch, options: LayoutOptions) -> None:
    ns, printed = run_code(layout_code(batch, options))
    L = compute_layout(batch, options)
    assert torch.equal(ns["padded"], L.padded) and ns["padded"].dtype == L.padded.dtype
    assert torch.equal(ns["mask"], L.mask)
    assert ns["offsets"].tolist() == L.offsets.tolist()
    assert ns["values"].tolist() == L.values.tolist()
    assert ns["lengths"].tolist() == L.lengths.tolist()
    if L.packed is None:
        assert ns["packed"] is None and "torch refused to pack" in printed
    else:
        for name in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
            got, want = getattr(ns["packed"], name), getattr(L.packed, name)
            assert (got is None and want is None) or torch.equal(got, want)
        assert torch.equal(ns["unpacked"], L.unpacked)
    if options.order == "bucketed":
        time_dim = 1 if options.batch_first else 0
        got = [(t.shape[1 - time_dim], t.shape[time_dim]) for t in ns["bucket_padded"]]
        assert got == [(len(b.indices), b.max_len) for b in L.buckets]
        # Each bucket tensor holds exactly its rows of the padded view, cut to its own length.
        start = 0
        for tensor, bucket in zip(ns["bucket_padded"], L.buckets, strict=False):
            rows = tensor.T if not options.batch_first else tensor
            n = len(bucket.indices)
            cut = L.padded_bt[start : start + n]
            side = (
                slice(0, bucket.max_len)
                if options.padding_side == "right"
                else slice(L.T - bucket.max_len, L.T)
            )
            np.testing.assert_array_equal(rows.numpy(), cut[:, side])
            start += n


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 9), min_size=1, max_size=6), options=options_strategy)
def test_generated_code_reproduces_the_layout(lengths, options):
    check_code(from_lengths(lengths, vocab_size=7), options)


def test_generated_code_for_refusals_and_pitfalls():
    check_code(Batch(sequences=((1, 2), (), (3,))), LayoutOptions())  # zero length
    check_code(from_lengths([2, 5]), LayoutOptions(enforce_sorted=True))
    code = layout_code(from_lengths([2, 5]), LayoutOptions(padding_side="left"))
    assert "# PITFALL left_padding_packed" in code
    check_code(from_text("a b c\nd"), LayoutOptions(order="bucketed", batch_first=True))


def test_article_code_runs_as_a_script():
    batch = load_preset("article")
    code = layout_code(batch, LayoutOptions(batch_first=True))
    assert "sequences = [" in code and "batch 'article'" in code
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "padded (3, 7)" in done.stdout
    assert "batch_sizes=tensor([3, 3, 3, 2, 2, 1, 1])" in done.stdout
