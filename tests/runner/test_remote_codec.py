"""The stdio transport's codec: every message survives a JSON line; a bad line is refused,
by name."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from padviz.core.curves import CURVE_FIELDS
from padviz.runner.json_codec import (
    COMMANDS,
    MAX_COMMAND_BYTES,
    REPORTS,
    CodecError,
    Oversized,
    decode,
    encode,
    read_lines,
)
from padviz.runner.messages import Command, Died, HiddenAnswer, Lost, Records, RunStep, Sync
from tests.runner.test_messages import EXAMPLES

LIMIT = 1 << 20


def kinds_for(message: object) -> dict[str, type]:
    return COMMANDS if isinstance(message, Command) else REPORTS


@pytest.mark.parametrize(
    "message", [m for m in EXAMPLES if not isinstance(m, Died)], ids=lambda m: type(m).__name__
)
def test_every_message_survives_one_json_line(message) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line)["type"] == type(message).__name__
    copy = decode(line.rstrip(b"\n"), kinds_for(message), LIMIT)
    assert type(copy) is type(message)
    if isinstance(message, HiddenAnswer):
        np.testing.assert_array_equal(copy.arrays["packed"], message.arrays["packed"])
    else:
        assert copy == message


def test_numbers_keep_their_kind_and_arrays_their_dtype_and_values() -> None:
    values = (3, 1.25, None, math.nan, math.inf, *range(len(CURVE_FIELDS) - 5))
    records = decode(encode(Records(2, (RunStep(0, values, 9.5, 1.0),))), REPORTS, LIMIT)
    got = records.steps[0].values
    assert type(got[0]) is int and got[1] == 1.25 and got[2] is None
    assert math.isnan(got[3]) and got[4] == math.inf
    arrays = {
        "f32": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        "i64": np.array([5, -7, 2**40], dtype=np.int64),
        "big_endian": np.arange(4, dtype=">f8"),
        "bool": np.array([[True, False]]),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3), dtype=np.float64),
    }
    answer = decode(encode(HiddenAnswer(1, arrays, None)), REPORTS, LIMIT)
    for name, array in arrays.items():
        assert answer.arrays[name].shape == array.shape, name
        assert answer.arrays[name].dtype == array.dtype.newbyteorder("="), name
        np.testing.assert_array_equal(answer.arrays[name], array)


def array_line(**array: object) -> bytes:
    body = {"type": "HiddenAnswer", "request_id": 1, "arrays": {"h": array}, "error": None}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("line", "kinds", "message"),
    [
        (b"not json", COMMANDS, "a line that is not JSON"),
        (b"\xff\xfe", COMMANDS, "a line that is not JSON"),
        (b"[1, 2]", COMMANDS, "a line must be a JSON object, got list"),
        (b'{"token": 1}', COMMANDS, "unknown message type None"),
        (b'{"type": "Records"}', COMMANDS, "unknown message type 'Records'"),  # wrong way round
        (b'{"type": "Sync", "token": 1}', REPORTS, "unknown message type 'Sync'"),
        (b'{"type": "__import__", "name": "os"}', COMMANDS, "unknown message type '__import__'"),
        (b'{"type": "Sync", "token": true}', COMMANDS, "Sync.token must be int, got True"),
        (b'{"type": "Sync", "token": "1"}', COMMANDS, "Sync.token must be int, got '1'"),
        (b'{"type": "Sync"}', COMMANDS, "Sync needs exactly the fields token; missing token"),
        (b'{"type": "Sync", "token": 1, "x": 0}', COMMANDS, "; unknown 'x'"),
        (b'{"type": "SetLr", "lr": "fast"}', COMMANDS, "SetLr.lr must be float, got 'fast'"),
        (
            b'{"type": "RequestHidden", "request_id": 1, "sequences": [[1, "a"]], "run": null,'
            b' "config": {}}',
            COMMANDS,
            "RequestHidden.sequences[0][1] must be int, got 'a'",
        ),
        (b"[" * 100_000 + b"]" * 100_000, COMMANDS, "a line that is not JSON"),
        (array_line(dtype="object", shape=[1], data="AA=="), REPORTS, "dtype 'object'"),
        (array_line(dtype="int8", shape=[-1], data=""), REPORTS, "must be at most 8 sizes >= 0"),
        (array_line(dtype="int8", shape=[1] * 9, data="AA=="), REPORTS, "at most 8 sizes"),
        (array_line(dtype="int8", shape=[10**12], data="AA=="), REPORTS, "must be 1000000000000"),
        (array_line(dtype="int8", shape=[2], data="AA=="), REPORTS, "must be 2 bytes in base64"),
        (array_line(dtype="int8", shape=[1], data="A!=="), REPORTS, "is not base64"),
        (array_line(dtype="int8", shape=[1]), REPORTS, "array object with dtype, shape and data"),
        (
            b'{"type": "Records", "generation": 1, "steps": [{"run": 0, "values": [1, 2],'
            b' "steps_per_s": 1.0, "done_at": 2.0}]}',
            REPORTS,
            f"Records.steps[0].values has 2 values; a step has {len(CURVE_FIELDS)}",
        ),
        (b'{"type": "Lost", "exitcode": 1, "message": "x"}', REPORTS, "unknown message type"),
        (b'{"type": "Died", "exitcode": 1}', REPORTS, "unknown message type 'Died'"),
    ],
)
def test_a_bad_line_is_refused_naming_what_is_wrong(line, kinds, message) -> None:
    with pytest.raises(CodecError) as error:
        decode(line, kinds, LIMIT)
    assert message in str(error.value)


def test_a_line_over_the_limit_is_refused_before_it_is_parsed() -> None:
    line = encode(Sync(1)).rstrip(b"\n") + b" " * MAX_COMMAND_BYTES
    with pytest.raises(CodecError, match=f"over the limit of {MAX_COMMAND_BYTES} bytes"):
        decode(line, COMMANDS, MAX_COMMAND_BYTES)


def test_read_lines_skips_an_oversized_line_in_chunks_and_goes_on() -> None:
    stream = io.BytesIO(b"short\n" + b"x" * 25 + b"\nlast")
    got = list(read_lines(stream, limit=10))
    assert got[0] == b"short" and got[2] == b"last"
    assert isinstance(got[1], Oversized) and got[1].size == 25
    assert "25 bytes is over the limit of 10 bytes" in got[1].message


def test_the_parent_made_reports_cannot_come_from_a_worker() -> None:
    assert "Died" not in REPORTS and "Lost" not in REPORTS
    assert issubclass(Lost, Died)  # the poller ends its hold on a lost worker as on a dead one
