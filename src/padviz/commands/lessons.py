"""`padviz lessons`: list the shipped lessons, or check and print one (shipped or a file)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lessons",
        help="list the lessons for lecturing, or print one",
        description="Without an argument, list the shipped lessons with a one-line description. "
        "With a lesson name or a lesson JSON file, check it and print its steps and captions. "
        "Open one in the app with `padviz --lesson NAME`.",
    )
    p.add_argument("lesson", nargs="?", metavar="NAME_OR_FILE", help="a lesson name or file")


def run(args: argparse.Namespace) -> int:
    from padviz.core.lessons import lesson_names, load_lesson

    if args.lesson is None:
        lessons = [load_lesson(name) for name in lesson_names()]
        width = max(len(lesson.name) for lesson in lessons)
        for lesson in lessons:
            print(f"{lesson.name:<{width}}  {lesson.title}: {lesson.description}")
        return 0
    lesson = load_lesson(args.lesson)
    print(f"{lesson.title} ({lesson.name}): {lesson.description}")
    for k, step in enumerate(lesson.steps, start=1):
        print(f"\n{k}. [{step.tab}] {step.caption}")
    return 0
