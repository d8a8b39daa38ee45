"""Untrusted files: size, encoding, nesting and string bounds, for every padviz format."""

import json

import pytest

from padviz.core.batch import BatchError, load_json
from padviz.core.json_files import JsonFileError, load, parse
from padviz.core.lessons import LessonError, load_lesson
from padviz.core.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_STRING_CHARS
from padviz.core.padviz_files import PadvizFileError, read_padviz_file
from padviz.core.sessions import SessionError, load_session

BATCH = {"format": "padviz-batch", "version": 1, "sequences": [[1, 2], [3]]}
LOADERS = [(load_json, BatchError), (load_session, SessionError), (load_lesson, LessonError)]


def write(tmp_path, text: str, name: str = "f.json", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize("loader, error", LOADERS)
def test_a_hundred_thousand_brackets_are_refused_by_every_loader(tmp_path, loader, error):
    path = write(tmp_path, "[" * 100_000)
    with pytest.raises(error, match=f"f.json: JSON nested deeper than {MAX_JSON_DEPTH} levels"):
        loader(path)


@pytest.mark.parametrize("loader, error", LOADERS)
def test_a_huge_string_is_refused_naming_where_it_is(tmp_path, loader, error):
    data = {"format": "x", "steps": [{}, {"caption": "w" * 1_000_000}]}
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(error, match=r"a string of 1,000,000 characters at steps\[1\]\.caption"):
        loader(path)


@pytest.mark.parametrize("loader, error", LOADERS)
def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, loader, error):
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used, and never read
    with pytest.raises(error, match=r"big.json.*the file is 128 MB; padviz reads at most 128 MB"):
        loader(path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, json.dumps(BATCH), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_json(path).lengths == [2, 1]


def test_version_as_a_string_says_it_must_be_a_number(tmp_path):
    path = write(tmp_path, json.dumps({**BATCH, "version": "1"}))
    with pytest.raises(BatchError, match="padviz-batch version must be the number 1, got '1'"):
        load_json(path)


def test_nan_is_not_json():
    with pytest.raises(JsonFileError, match="NaN is not JSON"):
        parse('{"a": NaN}', "x.json")


def test_nesting_at_the_limit_is_read_and_one_deeper_is_not():
    assert parse("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, "x") is not None
    deeper = MAX_JSON_DEPTH + 1
    with pytest.raises(JsonFileError, match="nested deeper"):
        parse("[" * deeper + "]" * deeper, "x")


def test_a_string_at_the_limit_is_read():
    assert parse(json.dumps(["x" * MAX_STRING_CHARS]), "x") == ["x" * MAX_STRING_CHARS]


def test_not_utf8_and_a_folder_name_the_file(tmp_path):
    bad = tmp_path / "latin.json"
    bad.write_bytes(b'{"name": "\xe9"}')
    with pytest.raises(JsonFileError, match=f"cannot read {bad}: not UTF-8 text"):
        load(bad)
    with pytest.raises(JsonFileError, match=f"cannot read {tmp_path}: it is a folder"):
        load(tmp_path)


def test_any_padviz_file_is_told_by_its_format(tmp_path):
    from padviz.core.lessons import asset

    batch = write(tmp_path, json.dumps(BATCH), "b.json")
    assert read_padviz_file(batch).kind == "batch"
    lesson = tmp_path / "l.json"
    lesson.write_text(asset("lessons", "why-pad.json").read_text("utf-8"), encoding="utf-8")
    opened = read_padviz_file(lesson)
    assert opened.kind == "lesson" and opened.content.steps
    other = write(tmp_path, json.dumps({"format": "other"}), "o.json")
    with pytest.raises(PadvizFileError, match=r"o.json: not a padviz file"):
        read_padviz_file(other)
    broken = write(tmp_path, json.dumps({**BATCH, "sequences": [["a"]]}), "x.json")
    with pytest.raises(BatchError, match=r"x.json: token 'a' at sequence 0"):
        read_padviz_file(broken)


def test_a_long_description_or_token_word_is_refused_wherever_it_comes_from():
    from padviz.core.batch import Batch, from_text

    with pytest.raises(BatchError, match=r"description is 3,000 characters \('xxxx"):
        Batch(sequences=((1,),), description="x" * 3000).validate()
    with pytest.raises(BatchError, match="vocabulary entry 1 is 1,000,000 characters"):
        from_text("w" * 1_000_000, "word")
