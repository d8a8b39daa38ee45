"""The sizes padviz accepts, in one place, checked before anything is allocated.

Every path that sizes a tensor or a model (CLI flags, batch, session and lesson files, GUI
fields, remembered settings) is validated against these, so a typo such as
`--pad-to-multiple 1000000000` or `--hidden 1000000` is refused with a message naming the
field, the value and the limit instead of eating the machine's memory. What only takes time
(training steps, bench repetitions) is not bounded: Stop ends it. No torch here.
"""

from __future__ import annotations

import os

MAX_SEQUENCES = 1024  # sequences in one batch
MAX_LENGTH = 4096  # tokens in one sequence, and the longest max_length / pad_to_multiple_of
# The padding value is written into int64 ids (or float64): beyond 2**53 neither holds it
# exactly, and beyond 2**63 the int64 tensor overflows.
MAX_PADDING_MAGNITUDE = 2**53
MAX_WIDTH = 4096  # embedding size, hidden size and input features of a model
MAX_LAYERS = 8  # stacked recurrent layers
MAX_BATCH_SIZE = 1024  # sequences per training or bench batch
MAX_BENCH_BATCHES = 64  # batches in one bench pool (buckets)
MAX_LR = 100.0  # a larger learning rate only overflows
# torch CPU threads: each OpenMP thread reserves its stack, and more threads than cores never
# helps; `--threads 100000` made libgomp abort the process.
MAX_THREADS = os.cpu_count() or 1

# Files padviz reads (batch, session, lesson) are untrusted: bounded before and while parsing.
MAX_FILE_BYTES = 128 * 2**20  # a session with 100k steps of curves for 3 runs is ~45 MB
MAX_JSON_DEPTH = 32  # padviz's own files nest at most 6 deep
MAX_STRING_CHARS = 10_000  # any one string in a file
MAX_NAME_CHARS = 200  # a batch's or lesson's name or title
MAX_TEXT_CHARS = 2_000  # a description or caption
MAX_WORD_CHARS = 100  # one token's text (a vocabulary word)

# A corpus (`padviz corpus`) is streamed line by line, so its size in bytes is not bounded;
# what is kept is: one length per sequence, and token ids only when asked for.
MAX_LINE_BYTES = 2**20  # one line of a corpus file (a sequence, a JSON line, a CSV row)
MAX_CORPUS_SEQUENCES = 20_000_000  # 160 MB of int64 lengths; statistics need a few copies more
MAX_CORPUS_KEPT_TOKENS = 50_000_000  # token ids kept for training (400 MB of int64)
MAX_CORPUS_BUCKETS = 1024  # length buckets of the `bucketed` strategy
