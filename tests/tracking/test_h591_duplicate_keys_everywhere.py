"""A results.json holding a key twice (edited by hand or by a tool; no run writes one):
mia-attack and mia-report refused it (artifacts.unique_keys), but load_trained_model(run),
a resumed mia-train into the run's folder (run_dir.finished_run) and the TensorBoard
HParams summary (hparams.sessions_under) read it keeping the LAST value silently: another
tool reading the first saw another run. artifacts.read_json refuses a key twice by default,
naming the file and the key (h591)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from mia_defense.errors import DataError
from mia_defense.tracking import read_json
from mia_defense.tracking.hparams import sessions_under
from mia_defense.tracking.run_dir import finished_run
from mia_defense.tracking.trained_model import load_trained_model

_TWICE = "duplicate key 'num_classes' in one object"


def _doubled(fast_run, tmp_path: Path) -> Path:
    """A copy of the run whose results.json holds ``num_classes`` twice (99 first, the run's
    own last: the value every reader kept)."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    text = (run / "results.json").read_text()
    first = '"num_classes": '
    assert first in text
    (run / "results.json").write_text(text.replace(first, f"{first}99, {first}", 1))
    return run


def test_read_json_refuses_a_key_twice_naming_the_file(tmp_path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"a": {"b": 1, "b": 2}}')
    with pytest.raises(DataError) as caught:
        read_json(path)
    message = str(caught.value)
    assert "results.json: duplicate key 'b' in one object" in message, message
    assert "which no run writes" in message and "rerun the run" in message, message


def test_load_trained_model_refuses_a_key_twice(fast_run, tmp_path) -> None:
    run = _doubled(fast_run, tmp_path)
    with pytest.raises(DataError, match=_TWICE):
        load_trained_model(run, 0)


def test_a_resume_keeps_a_record_with_a_key_twice_aside(fast_run, tmp_path, caplog) -> None:
    run = _doubled(fast_run, tmp_path)
    payload = fast_run.payload
    with caplog.at_level(logging.WARNING):
        found = finished_run(run, config=payload["config"],
                             data_fingerprint=payload["data_fingerprint"])  # fmt: skip
    assert found is None
    assert (run / "results.json.unreadable").is_file()
    assert _TWICE in caplog.text


def test_hparams_leave_out_a_record_with_a_key_twice(fast_run, tmp_path, caplog) -> None:
    run = _doubled(fast_run, tmp_path)
    with caplog.at_level(logging.WARNING):
        assert sessions_under(run) == []
    assert _TWICE in caplog.text
