"""One check of a run folder hashed its first checkpoint up to three times: mia-report's
`models_problem` (and mia-attack's `read_source`) hashed it for `checkpoint_mismatch`, again
in `config_mismatch`'s `stamped_checkpoint`, and once more for the refusal's words, which a
report over a sweep of many runs with large models paid for each run. The checkpoint and its
digest are found once (`held_checkpoint`) and handed to both checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import mia_defense.tracking.artifacts as artifacts
from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.tracking.artifacts import models_problem


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The checkpoints `artifacts.regular_file_sha256` hashes from now on, one per call."""
    hashed: list[str] = []
    real = artifacts.regular_file_sha256

    def counting(path, **kwargs):
        hashed.append(Path(path).name)
        return real(path, **kwargs)

    monkeypatch.setattr(artifacts, "regular_file_sha256", counting)
    return hashed


def _copy(fast_run, tmp_path: Path, *, edited: bool) -> Path:
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    if edited:  # (config.train.lr edited after the run: config_mismatch's refusal)
        payload = json.loads((run / "results.json").read_text())
        payload["config"]["train"]["lr"] = 0.5
        (run / "results.json").write_text(json.dumps(payload))
    return run


@pytest.mark.parametrize("edited", [False, True], ids=["as written", "config edited"])
def test_mia_report_hashes_the_first_checkpoint_once(fast_run, tmp_path, monkeypatch, edited):
    run = _copy(fast_run, tmp_path, edited=edited)
    payload = json.loads((run / "results.json").read_text())
    hashed = _counted(monkeypatch)
    problem = models_problem(run, payload)
    assert (problem is not None) is edited
    if edited:
        assert "checkpoints/model_0000.pt, the file the run wrote, was trained under" in problem
    assert hashed == ["model_0000.pt"]


@pytest.mark.parametrize("edited", [False, True], ids=["as written", "config edited"])
def test_mia_attack_hashes_the_first_checkpoint_once(fast_run, tmp_path, monkeypatch, edited):
    run = _copy(fast_run, tmp_path, edited=edited)
    hashed = _counted(monkeypatch)
    if edited:
        with pytest.raises(DataError, match=r"checkpoints/model_0000\.pt, the file the run wrote"):
            read_source(run)
    else:
        assert read_source(run).results is not None
    assert hashed == ["model_0000.pt"]


def test_the_first_checkpoint_held_is_hashed_once_and_named(fast_run, tmp_path, monkeypatch):
    """model_0000.pt deleted: model_0001.pt is the one checked, hashed once, and named."""
    run = _copy(fast_run, tmp_path, edited=True)
    (run / "checkpoints" / "model_0000.pt").unlink()
    payload = json.loads((run / "results.json").read_text())
    hashed = _counted(monkeypatch)
    assert "checkpoints/model_0001.pt, the file the run wrote" in models_problem(run, payload)
    assert hashed == ["model_0000.pt", "model_0001.pt"]  # (the first: not there, not read)
