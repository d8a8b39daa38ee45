"""`padviz mistakes`: list the mistake lab's entries, or commit one for real and apply its fix."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from padviz.core.mistakes import MistakeResult


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mistakes",
        help="commit a common padding mistake against torch, and fix it",
        description="Without NAME, list the mistakes. With NAME, run its wrong code and its "
        "fixed code against the installed torch and report what torch did.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a mistake (see `padviz mistakes`)")
    p.add_argument(
        "--lengths", metavar="L,L,...", default="5,3,7", help="sequence lengths (default 5,3,7)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from padviz.core import mistakes
    from padviz.core.batch import parse_lengths
    from padviz.core.errors import PadvizError

    if args.name is None:
        if args.json:
            listing = [
                {"name": m.name, "title": m.title, "line": m.line} for m in mistakes.ALL.values()
            ]
            print(json.dumps(listing))
        else:
            width = max(map(len, mistakes.ALL))
            for m in mistakes.ALL.values():
                print(f"{m.name.ljust(width)}  {m.line}")
        return 0
    mistakes.get(args.name)  # an unknown name is refused before torch loads
    try:
        lengths = mistakes.check_lengths(parse_lengths(args.lengths))
    except PadvizError as exc:
        raise mistakes.MistakeError(f"--lengths: {exc}") from None
    result = mistakes.run(args.name, lengths)
    print(json.dumps(result.to_json()) if args.json else render_text(result))
    return 0


def render_text(result: MistakeResult) -> str:
    from padviz.core.mistakes import fix_verdict, wrong_verdict

    out = [f"{result.title} ({result.name})", result.line]
    if result.note:
        out.append(result.note)
    out += ["", "# The wrong code", result.wrong_code.rstrip(), "", wrong_verdict(result)]
    if result.affected is not None:
        cells = ", ".join(f"({s}, {t})" for s, t in result.affected_cells)
        out.append(f"Affected cells (sequence, t): {result.affected.text}: {cells or 'none'}.")
    out += ["", "# The fix", result.fix_code.rstrip(), "", fix_verdict(result)]
    return "\n".join(out)
