"""mia-attack of a run whose status is 'failed' on a setting (a ConfigError once it began,
no model saved) said "status 'failed', not complete; finish the run first (run the same
mia-train command again)", which fails again on the same setting (mia-report already told
it apart: `failed_on_a_setting`). It now names the error and says to fix the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source, unreadable_source
from mia_defense.errors import DataError
from tests.helpers import synthetic_observations

ERROR = {"error": "ConfigError", "message": "train.lr=1e30: the first step changed no weight; "
         "lower train.lr"}  # fmt: skip


def _failed_run(folder: Path, *, observations: bool) -> Path:
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps({"status": "failed", "failed": ERROR}))
    if observations:
        synthetic_observations(num_models=4, num_samples=40).save(folder / "observations.npz")
    return folder


def _fix_the_setting(said: str, folder: Path) -> None:
    assert said == (f"{folder / 'results.json'}: status 'failed': the run stopped on a setting "
                    "(ConfigError: train.lr=1e30: the first step changed no weight; lower "
                    "train.lr) with no model saved, so the same mia-train command fails "
                    "again; fix the setting it names and train it in a new directory (or "
                    "delete this one first), then attack that")  # fmt: skip
    assert "run the same mia-train command again" not in said


def test_failed_before_its_observations(tmp_path: Path) -> None:
    folder = _failed_run(tmp_path / "run", observations=False)
    _fix_the_setting(unreadable_source(folder), folder)


def test_failed_after_its_observations(tmp_path: Path) -> None:
    folder = _failed_run(tmp_path / "run", observations=True)
    with pytest.raises(DataError) as caught:
        read_source(folder)
    _fix_the_setting(str(caught.value), folder)


def test_a_failure_of_another_kind_is_still_told_to_run_again(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(
        {"status": "failed", "failed": {"error": "OSError", "message": "disk full"}}))
    assert "run the same mia-train command again" in unreadable_source(folder)
