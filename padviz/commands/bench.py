"""`padviz bench` (being built)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("bench", help="(being built)")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("padviz bench")
