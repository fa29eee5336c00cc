"""A run folder's results.json edited by hand, as a tool might trust it (h575's red team):

- a checkpoint's digest in ``sha256`` that is no digest (5, null, a list) or one in upper
  case: mia-report skipped the run and mia-attack refused it saying its models were another
  run's ("results.json and observations.npz copied from another run, or the checkpoints
  replaced"), where the files are the run's and the record was edited;
- a key twice in one object: mia-report skips such a file, mia-attack attacked it, carrying
  the last of the two into its record (another tool reads the first);
- ``population_size`` no count (``1e400``, read as inf, ``300.0``, ``"300"``): mia-attack
  refused it, mia-report ranked it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from mia_defense.tracking.artifacts import models_problem

FIRST = "checkpoints/model_0000.pt"


def _copy(fast_run, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))


def _write(run: Path, text: str) -> None:
    (run / "results.json").write_text(text)


def _edited(run: Path, change) -> dict:
    payload = json.loads((run / "results.json").read_text())
    change(payload)
    _write(run, json.dumps(payload, indent=2))
    return payload


@pytest.mark.parametrize(("value", "said"), [
    (5, "is 5, not a sha256 hex digest"),
    (None, "is None, not a sha256 hex digest"),
    ("listed", "is ['"),
    ("upper", "in upper case: not the lower-case sha256 hex digest every run writes"),
], ids=["int", "null", "list", "upper case"])  # fmt: skip
def test_a_checkpoint_digest_edited_is_named_not_taken_for_another_runs_models(
        fast_run, tmp_path, value, said):  # fmt: skip
    run = _copy(fast_run, tmp_path)
    digest = fast_run.payload["sha256"][FIRST]
    value = {"listed": [digest], "upper": digest.upper()}.get(value, value)
    payload = _edited(run, lambda p: p["sha256"].update({FIRST: value}))
    for message in (models_problem(run, payload), _refusal(run)):
        assert f"sha256['{FIRST}'] " in message and said in message, message
        assert "copied from another run" not in message, message
        assert "so the folder's models cannot be checked against it: results.json was " \
               "edited after the run; put the run's own results.json back, or rerun the " \
               "run" in message, message
    assert dict(load_runs([run]).skipped)[run] == models_problem(run, payload)


def _refusal(run: Path) -> str:
    with pytest.raises(DataError) as caught:
        read_source(run)
    return str(caught.value)


@pytest.mark.parametrize("key", ["status", "observations.npz"])
def test_mia_attack_refuses_a_key_twice_as_mia_report_does(fast_run, tmp_path, key):
    run = _copy(fast_run, tmp_path)
    text = (run / "results.json").read_text()
    first = f'"{key}": '
    assert first in text
    _write(run, text.replace(first, f'{first}"0", {first}', 1))  # ("0" first, the last read)
    message = _refusal(run)
    assert message.startswith(f"{run / 'results.json'}: duplicate key '{key}' in one object, "
                              "which no run writes (edited by hand or by a tool)"), message
    assert message.endswith(f"or attack the observations alone "
                            f"(mia-attack {run / 'observations.npz'})"), message
    assert f"duplicate key '{key}'" in dict(load_runs([run]).skipped)[run]


@pytest.mark.parametrize(("literal", "shown"), [
    ("1e400", "a number inf"), ("300.0", "a number 300.0"), ('"300"', "a string '300'"),
    ("1" + "0" * 20, "an integer of 21 digits, too large for a count"),
])  # fmt: skip
def test_mia_report_skips_a_population_size_that_is_no_count(fast_run, tmp_path, literal, shown):
    run = _copy(fast_run, tmp_path)
    text = (run / "results.json").read_text()
    said = f'"population_size": {fast_run.payload["population_size"]},'
    assert said in text
    _write(run, text.replace(said, f'"population_size": {literal},', 1))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(f"population_size is {shown}")
    with pytest.raises(DataError, match="population_size is"):
        read_source(run)  # (as mia-attack refused it already)
