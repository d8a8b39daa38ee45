"""`padviz worker --stdio`: serve one training or bench session on stdin/stdout (for --remote)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="serve the window's (or --remote's) training and bench on stdin/stdout",
        description="The worker that `--remote` and the window's Remote… device start on the "
        "machine with the GPU, through ssh, srun, docker exec or kubectl exec: one JSON "
        "message per line on stdin and stdout (no pickle, nothing listens on a socket). It "
        "ends when stdin closes.",
    )
    p.add_argument(
        "--stdio",
        action="store_true",
        required=True,
        help="speak the protocol on stdin/stdout (the only transport)",
    )


def run(args: argparse.Namespace) -> int:
    from padviz.runner.stdio_worker import main

    return main()
