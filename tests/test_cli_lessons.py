"""`padviz lessons` through the real CLI entry point."""

from __future__ import annotations

import json

from padviz.cli import main
from padviz.core.lessons import lesson_names, load_lesson


def test_lists_every_lesson_with_its_description(capsys) -> None:
    assert main(["lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == lesson_names()
    for line, name in zip(lines, lesson_names(), strict=False):
        lesson = load_lesson(name)
        assert line.endswith(f"{lesson.title}: {lesson.description}")


def test_prints_one_lesson_with_numbered_captions(capsys) -> None:
    assert main(["lessons", "packing"]) == 0
    out = capsys.readouterr().out
    lesson = load_lesson("packing")
    assert out.startswith(f"{lesson.title} (packing): ")
    for k, step in enumerate(lesson.steps, start=1):
        assert f"\n{k}. [{step.tab}] {step.caption}\n" in out


def test_checks_a_lecturers_file(tmp_path, capsys) -> None:
    good = {
        "format": "padviz-lesson",
        "version": 1,
        "title": "Mine",
        "description": "Two sequences.",
        "steps": [{"batch": {"lengths": [4, 2]}, "caption": "{pad_cells} pads"}],
    }
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(good), "utf-8")
    assert main(["lessons", str(path)]) == 0
    assert "\n1. [explorer] 2 pads\n" in capsys.readouterr().out

    good["steps"][0]["options"] = {"order": "random"}
    path.write_text(json.dumps(good), "utf-8")
    assert main(["lessons", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: mine.json: step 1, options: order 'random'")
    assert err.count("\n") == 1


def test_unknown_lesson_is_one_line_exit_2(capsys) -> None:
    assert main(["lessons", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: nope: no such lesson or file") and err.count("\n") == 1


def test_opening_the_app_on_an_unknown_lesson_is_a_bad_argument(capsys) -> None:
    assert main(["--lesson", "no-such-lesson"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-lesson: no such lesson or file" in err[0]
