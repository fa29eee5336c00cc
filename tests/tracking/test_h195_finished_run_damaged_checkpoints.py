"""A complete run skipped as finished whose checkpoint in the middle was emptied, cut short,
made unreadable or replaced by another config's was skipped without a word (a deleted one
is named: `_warn_lost_models`); only load_trained_model found it later. Its figures stand
(they were measured on the run's own models), so the skip goes on, with a warning naming
the files and the route that trains only those."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import torch

from mia_defense.tracking.artifacts import SCHEMA_VERSION, file_sha256, write_json
from mia_defense.tracking.run_dir import finished_run
from mia_defense.training.checkpoints import checkpoint_path, save_state

SAID = "a complete run, skipped as finished, but 1 of its saved models cannot be the ones"


def _finished(tmp_path: Path) -> Path:
    """A complete run of 3 real checkpoints (fingerprint 'f'), whose sha256 results.json
    records."""
    run_dir = tmp_path / "run"
    for k in range(3):
        save_state(checkpoint_path(run_dir / "checkpoints", k), {"w": torch.zeros(3)},
                   {"epochs": [], "stats": {}}, fingerprint="f")  # fmt: skip
    record = {f"checkpoints/{p.name}": file_sha256(p)
              for p in sorted((run_dir / "checkpoints").glob("*.pt"))}  # fmt: skip
    write_json(run_dir / "results.json", {"schema_version": SCHEMA_VERSION, "status": "complete",
                                          "config": {"seed": 0}, "sha256": record})  # fmt: skip
    return run_dir


def _skipped(run_dir: Path, caplog: pytest.LogCaptureFixture) -> str:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert finished_run(run_dir, config={"seed": 0}, data_fingerprint=None) is not None
    return caplog.text


def _other_config(path: Path) -> None:
    save_state(path, {"w": torch.zeros(3)}, {"epochs": [], "stats": {}}, fingerprint="g")


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b""),
    lambda p: p.write_bytes(p.read_bytes()[:-200]),
    _other_config,
    pytest.param(lambda p: os.chmod(p, 0), marks=pytest.mark.skipif(
        os.geteuid() == 0, reason="root reads a chmod 000 file")),
], ids=["emptied", "cut_short", "other_config", "unreadable"])
def test_a_damaged_checkpoint_in_the_middle_is_named_on_skipping(damage, tmp_path, caplog):
    run_dir = _finished(tmp_path)
    assert SAID not in _skipped(run_dir, caplog)  # intact: no word
    damage(run_dir / "checkpoints" / "model_0001.pt")
    text = _skipped(run_dir, caplog)
    assert (f"{run_dir}: {SAID} it trained (checkpoints/model_0001.pt: unreadable, emptied or "
            "cut short, or of another config): its figures stand") in text
    assert "delete them and results.json, not the folder, and run the same command" in text
