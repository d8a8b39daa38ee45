"""What the bench's numbers say: the one-line recommendation for pad-ratio rows and for a
corpus's row, against the padded baseline (every batch padded to the max length)."""

from __future__ import annotations

from collections.abc import Sequence

from padviz.core.bench import NOISY, STRATEGIES, BenchConfig, BenchRow

# A strategy only "beats" padding when it is at least this much faster: smaller differences are
# within run-to-run noise on a busy machine, and padding is the simpler code.
MARGIN = 0.05


def recommend_for_corpus(row: BenchRow, device: str, config: BenchConfig) -> str:
    """One line for a corpus's pool: the fastest strategy against padding to max_len (at
    least MARGIN faster, else padding, the simplest code), both time ratios, and noise."""
    faster = [s for s in STRATEGIES if s != "padded" and _beats_padding(row, s)]
    best = min(faster, key=lambda s: row.timings[s].median_ms, default="padded")
    verdict = (
        "padding every batch to the max length is as fast as any (and the simplest code)"
        if best == "padded"
        else f"{best} is fastest"
    )
    line = (
        f"on {device}, for {config.corpus} (its lengths clipped to T = {config.max_len} leave "
        f"{_pct(row.target_pad_ratio)} of each batch padded to T as padding): {verdict}; "
        f"packed takes {row.packed_over_padded:.2f}x the padded time, bucketed "
        f"{row.bucketed_over_padded:.2f}x"
    )
    if row.noisy:
        line += (
            f"; timings were noisy (IQR over {_pct(NOISY)} of the median): rerun on an idle "
            "machine or with fewer threads"
        )
    return line


def _pct(ratio: float) -> str:
    return f"{100 * ratio:.0f}%"


def _ranges(ratios: Sequence[float], selected: Sequence[bool]) -> str:
    """'20-60%, 90%': the selected pad ratios, consecutive measured ones joined into ranges."""
    runs: list[list[float]] = []
    previous = False
    for r, chosen in zip(ratios, selected, strict=False):
        if chosen:
            if previous:
                runs[-1].append(r)
            else:
                runs.append([r])
        previous = chosen
    return ", ".join(
        _pct(run[0]) if len(run) == 1 else f"{100 * run[0]:.0f}-{_pct(run[-1])}" for run in runs
    )


def _beats_padding(row: BenchRow, strategy: str) -> bool:
    """At least MARGIN faster than padded. Without padding there is nothing to save, so an
    apparent win there is noise (packing then does the same work, buckets only smaller batches).
    """
    return row.pad_ratio > 0 and row.timings[strategy].median_ms <= (1 - MARGIN) * row.padded_ms


def _packing_clause(rows: Sequence[BenchRow]) -> str:
    rows = [row for row in rows if row.pad_ratio > 0]  # without padding packing saves nothing
    if not rows:
        return "packing was not measured on a padded batch"
    wins = [_beats_padding(row, "packed") for row in rows]
    ratios = [row.pad_ratio for row in rows]
    if all(wins):
        return "packing pays off at every pad ratio measured above 0%"
    if not any(wins):
        best = min(rows, key=lambda row: row.packed_over_padded)
        return (
            f"packing never pays off (at best {best.packed_over_padded:.2f}x the padded "
            f"time, at {_pct(best.pad_ratio)} padding)"
        )
    first = wins.index(True)
    if all(wins[first:]):
        lo, hi = rows[first - 1], rows[first]
        # Where packed/padded crosses 1 - MARGIN, interpolated between the neighbouring rows.
        a, b = lo.packed_over_padded, hi.packed_over_padded
        cross = lo.pad_ratio + (hi.pad_ratio - lo.pad_ratio) * (a - (1 - MARGIN)) / (a - b)
        return f"packing pays off above ~{_pct(cross)} padding"
    return f"packing pays off only at {_ranges(ratios, wins)} padding (no clear threshold)"


def _fastest_clause(rows: Sequence[BenchRow]) -> str:
    ratios = [row.pad_ratio for row in rows]
    fastest = []
    for row in rows:
        # Padding wins ties within MARGIN: it is the simplest code.
        faster = [s for s in STRATEGIES if s != "padded" and _beats_padding(row, s)]
        fastest.append(min(faster, key=lambda s: row.timings[s].median_ms, default="padded"))
    if len(set(fastest)) == 1:
        return f"{fastest[0]} is fastest at every pad ratio measured"
    groups = [
        f"{name} at {_ranges(ratios, [f == name for f in fastest])}"
        for name in STRATEGIES
        if name in fastest
    ]
    return "fastest: " + "; ".join(groups)


def recommend(rows: Sequence[BenchRow], device: str = "this device") -> str:
    """One line saying when packing pays off and which strategy is fastest where, against the
    padded baseline (every batch padded to the max length).

    "Pays off" and "fastest" mean at least MARGIN (5%) faster than padding, at a pad ratio
    above 0; closer results count for padding, the simpler code. Noisy rows are named, so a
    disturbed run is not mistaken for a verdict.
    """
    if not rows:
        return "no pad ratio was measured, so there is nothing to recommend"
    rows = sorted(rows, key=lambda row: row.pad_ratio)
    line = (
        f"on {device}, against padding every batch to the max length: "
        f"{_packing_clause(rows)}; {_fastest_clause(rows)}"
    )
    noisy = [row.noisy for row in rows]
    if any(noisy):
        line += (
            f"; timings were noisy at {_ranges([r.pad_ratio for r in rows], noisy)} padding "
            f"(IQR over {_pct(NOISY)} of the median): rerun on an idle machine or with fewer "
            "threads"
        )
    return line
