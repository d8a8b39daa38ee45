"""`padviz corpus` on a 1,000,000-line corpus: reading it, and its statistics.

    python benchmarks/corpus_stats.py [--lines N] [--runs N] [--smoke]

Writes a synthetic corpus to a temporary folder: N lines (1,000,000) of words drawn from a
1,000-word vocabulary, with long-tailed lengths (lognormal, median 15 words, at most 2,000).
Then, median of --runs (3):

- padviz corpus FILE --json: the whole command in a fresh process (start-up, reading, statistics);
- read_corpus: reading and tokenising the file in this process;
- corpus_stats: the statistics of the lengths (percentiles, histogram, the waste of the four
  strategies), the part that must stay vectorised (goal: under 2 s for 1,000,000 lines).

Not a test: timings depend on the machine and on what else runs on it. `--smoke` (10,000 lines,
one run) only checks that it still works; tests/test_benchmarks.py runs it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from padviz.core.corpus import read_corpus
from padviz.core.corpus_stats import corpus_stats

WORDS = np.array([f"w{i}" for i in range(1000)])


def write_corpus(path: Path, lines: int, seed: int = 0) -> int:
    """The synthetic corpus; returns its size in bytes."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(15), 1.0, lines), 1, 2000).astype(np.int64)
    words = WORDS[rng.integers(0, WORDS.size, int(lengths.sum()))].tolist()
    ends = np.cumsum(lengths).tolist()
    with open(path, "w", encoding="utf-8") as fh:
        start = 0
        for end in ends:
            fh.write(" ".join(words[start:end]) + "\n")
            start = end
    return path.stat().st_size


def measure(path: Path, runs: int) -> dict[str, list[float]]:
    command = [sys.executable, "-m", "padviz", "corpus", str(path), "--json"]
    samples: dict[str, list[float]] = {
        "padviz corpus --json": [],
        "read_corpus": [],
        "corpus_stats": [],
    }
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        read = time.perf_counter()
        lengths = read_corpus(path).lengths
        counted = time.perf_counter()
        corpus_stats(lengths)
        done = time.perf_counter()
        samples["padviz corpus --json"].append(read - start)
        samples["read_corpus"].append(counted - read)
        samples["corpus_stats"].append(done - counted)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="corpus lines (1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per row (3)")
    parser.add_argument("--smoke", action="store_true", help="10,000 lines, one run")
    args = parser.parse_args()
    lines, runs = (10_000, 1) if args.smoke else (args.lines, args.runs)
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; median of {runs} runs"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "corpus.txt")
        size = write_corpus(path, lines)
        print(f"corpus: {lines:,} lines, {size / 2**20:.0f} MB")
        samples = measure(path, runs)
    print(f"{'what':<22} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, seconds in samples.items():
        print(
            f"{label:<22} {statistics.median(seconds):>9.2f} {min(seconds):>7.2f} "
            f"{max(seconds):>7.2f}"
        )


if __name__ == "__main__":
    main()
