"""Sessions saved to JSON and opened again are exactly what was saved."""

from __future__ import annotations

import json

import pytest

from padviz.core.batch import from_lengths
from padviz.core.curves import Curves
from padviz.core.options import LayoutOptions
from padviz.core.sessions import Session, SessionError, load_session, save_session, to_dict
from padviz.core.training import TrainConfig


def _session() -> Session:
    curves = Curves()
    curves.extend(
        [
            [1, 1.6094379425048828, 1.1, 0.9, 0.8, 0.2, 30, 12345.678, 2.5, 0.01, None, 0.4],
            [2, 1.0 / 3.0, 1.0e-9, 0.9, 0.8, 0.25, 28, 11111.1, 2.25, 0.02, 301.25, 0.0],
        ]
    )
    return Session(
        batch=from_lengths([5, 3, 7]),
        options=LayoutOptions(batch_first=True, order="bucketed", buckets=3),
        config=TrainConfig(
            mode="packed", task="majority", seed=11, lr=0.0123, hidden=16, bidirectional=True
        ),
        runs=("packed", "padded-unmasked"),
        curves={"packed": curves, "padded-unmasked": Curves()},
        smoothing=0.85,
        log_y=True,
        faults={"padded-unmasked": "training stopped at step 1"},
    )


def test_save_then_open_restores_everything_exactly(tmp_path) -> None:
    session = _session()
    save_session(session, tmp_path / "s.json")
    again = load_session(tmp_path / "s.json")
    assert again == session
    assert again.curves["packed"].column("masked_loss")[1] == 1.0 / 3.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="padviz-batch"), "not a padviz session"),
        (lambda d: d.update(version=2), "unsupported session version"),
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d.pop("training"), "no 'training'"),
        (lambda d: d.update(runs=["packed", "packed"]), "distinct modes"),
        (lambda d: d["training"].update(lr=-1), "training: lr"),
        (lambda d: d["training"].update(mode="packed"), "'mode' does not belong"),
        (lambda d: d["options"].update(order="random"), "options: order"),
        (lambda d: d["curves"]["packed"].pop("step"), "curves: .*missing step"),
        (lambda d: d["curves"].update(**{"padded-masked": {}}), "not one of the runs"),
        (lambda d: d["view"].update(smoothing=1.5), "smoothing"),
        (lambda d: d["batch"].update(sequences=[[]]), "batch:"),
    ],
)
def test_bad_sessions_name_the_problem(tmp_path, change, message) -> None:
    data = to_dict(_session())
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match=message):
        load_session(path)


def test_unreadable_files_are_session_errors(tmp_path) -> None:
    with pytest.raises(SessionError, match="cannot read"):
        load_session(tmp_path / "missing.json")
    (tmp_path / "nan.json").write_text('{"format": NaN}')
    with pytest.raises(SessionError, match="malformed JSON"):
        load_session(tmp_path / "nan.json")
    with pytest.raises(SessionError, match="cannot write"):
        save_session(_session(), tmp_path / "no" / "such" / "dir.json")


def test_the_cell_is_saved_and_an_older_session_without_it_is_an_lstm(tmp_path) -> None:
    session = Session(from_lengths([3, 1]), LayoutOptions(), TrainConfig(cell="gru"), ("packed",))
    save_session(session, tmp_path / "s.json")
    assert load_session(tmp_path / "s.json").config.cell == "gru"
    data = json.loads((tmp_path / "s.json").read_text())
    del data["training"]["cell"]  # as sessions were saved before cells existed
    (tmp_path / "old.json").write_text(json.dumps(data))
    assert load_session(tmp_path / "old.json").config.cell == "lstm"
    data["training"]["cell"] = "lstn"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SessionError, match="unknown cell 'lstn'"):
        load_session(tmp_path / "bad.json")


def test_a_cell_that_is_not_a_string_is_refused_not_a_type_error(tmp_path) -> None:
    session = Session(from_lengths([3, 1]), LayoutOptions(), TrainConfig(), ("packed",))
    save_session(session, tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    data["training"]["cell"] = ["lstm"]  # found by tests/test_hostile_input.py
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SessionError, match=r"unknown cell \['lstm'\]"):
        load_session(tmp_path / "bad.json")
