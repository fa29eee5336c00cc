"""A complete run skipped as finished after the user deleted some of its files: its deleted
TensorBoard events were not named at all (TensorBoard showed an empty run), and a deleted
scores.npz was answered with 'delete the folder to run it again', which throws away the
saved models and trains every one again, where deleting results.json alone writes the files
anew from the checkpoints, training nothing."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from mia_defense.tracking import read_json
from mia_defense.tracking.artifacts import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import finished_run, warn_incomplete
from tests.conftest import TINY
from tests.helpers import FAST, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
HINT = "delete results.json alone, not the folder"


def _folder(tmp_path: Path, *, events: bool, checkpoints: bool, scores: bool = True) -> Path:
    """A finished run's files (their content unread): results.json, the two arrays, tb/
    holding the HParams experiment config and, with ``events``, the run's own events."""
    run_dir = tmp_path / "run"
    (run_dir / "tb").mkdir(parents=True)
    for name in ["results.json", "observations.npz", *(["scores.npz"] if scores else [])]:
        (run_dir / name).write_text("{}")
    (run_dir / "tb/events.out.tfevents.1.host.2.experiment").write_bytes(b"x")
    if events:
        (run_dir / "tb/events.out.tfevents.1.host.1").write_bytes(b"x")
    if checkpoints:
        (run_dir / "checkpoints").mkdir()
        for k in range(3):
            (run_dir / f"checkpoints/model_{k:04d}.pt").write_bytes(b"x")
    return run_dir


def test_deleted_events_are_named_with_how_to_write_them_from_the_checkpoints(tmp_path, caplog):
    run_dir = _folder(tmp_path, events=False, checkpoints=True)
    with caplog.at_level(logging.WARNING):
        warn_incomplete(run_dir)
    assert "its TensorBoard events (tb/) are missing" in caplog.text
    assert (f"its trained models are saved (3 checkpoints in checkpoints/): {HINT}, and run "
            "the same command again to write tb/ anew from them") in caplog.text


def test_deleted_scores_get_the_checkpoint_route_beside_the_old_advice(tmp_path, caplog):
    run_dir = _folder(tmp_path, events=True, checkpoints=True, scores=False)
    with caplog.at_level(logging.WARNING):
        warn_incomplete(run_dir)
    assert "scores.npz is missing" in caplog.text  # (the old line stays)
    assert f"{HINT}, and run the same command again to write scores.npz anew" in caplog.text
    assert "TensorBoard events" not in caplog.text


def test_deleted_scores_with_checkpoints_are_not_told_to_delete_the_folder(tmp_path, caplog):
    """Two warnings in a row disagreed: 'delete the folder to run it again' (training every
    model again), then 'delete results.json alone, not the folder'; only the second is said
    where checkpoints are saved. A folder without them keeps the old advice."""
    run_dir = _folder(tmp_path / "a", events=True, checkpoints=True, scores=False)
    with caplog.at_level(logging.WARNING):
        warn_incomplete(run_dir)
    assert "scores.npz is missing" in caplog.text and HINT in caplog.text
    assert "delete the folder" not in caplog.text
    assert len(caplog.records) == 2
    caplog.clear()
    attacked = _folder(tmp_path / "b", events=True, checkpoints=False, scores=False)
    with caplog.at_level(logging.WARNING):
        warn_incomplete(attacked)
    assert "scores.npz is missing" in caplog.text
    assert "delete the folder to run it again" in caplog.text


def test_whole_folder_and_one_without_checkpoints_get_no_new_word(tmp_path, caplog):
    whole = _folder(tmp_path / "a", events=True, checkpoints=True)
    attacked = _folder(tmp_path / "b", events=True, checkpoints=False, scores=False)
    with caplog.at_level(logging.WARNING):
        warn_incomplete(whole)
        assert caplog.text == ""
        warn_incomplete(attacked)  # (mia-attack's folder: no models to write them from)
    assert "scores.npz is missing" in caplog.text and HINT not in caplog.text


def _skipped(run_dir: Path, caplog: pytest.LogCaptureFixture) -> str:
    """The warnings of `finished_run` on ``run_dir``'s complete run of 3 models, whose
    results.json records the sha256 of each (`_folder` with checkpoints)."""
    config = {"seed": 0}
    record = {f"checkpoints/model_{k:04d}.pt": "0" * 64 for k in range(3)}
    write_json(run_dir / "results.json", {"schema_version": SCHEMA_VERSION, "status": "complete",
                                          "config": config, "sha256": record})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        assert finished_run(run_dir, config=config, data_fingerprint=None) is not None
    return caplog.text


def test_a_checkpoint_deleted_in_the_middle_is_named_on_skipping(tmp_path, caplog):
    run_dir = _folder(tmp_path, events=True, checkpoints=True)
    (run_dir / "checkpoints/model_0001.pt").unlink()
    text = _skipped(run_dir, caplog)
    assert (f"{run_dir}: a complete run, skipped as finished, but 1 of its saved models is "
            "missing (checkpoints/model_0001.pt; moved or deleted)") in text
    assert f"{HINT}, and run the same command again to train it again" in text


def test_checkpoints_all_deleted_or_all_there_get_no_word(tmp_path, caplog):
    whole = _folder(tmp_path / "a", events=True, checkpoints=True)
    assert "saved models" not in _skipped(whole, caplog)
    emptied = _folder(tmp_path / "b", events=True, checkpoints=True)
    shutil.rmtree(emptied / "checkpoints")  # (to save space: the figures stand)
    assert "saved models" not in _skipped(emptied, caplog)


@pytest.mark.slow  # three tiny runs in this process, about 8 s
def test_following_the_hint_writes_the_events_again_training_nothing(tmp_path):
    first = mia_train(*RUN, "hydra.run.dir=run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    run_dir = tmp_path / "run"
    before = read_json(run_dir / "results.json")
    scores = dict(np.load(run_dir / "scores.npz"))
    shutil.rmtree(run_dir / "tb")

    skipped = mia_train(*RUN, "hydra.run.dir=run", cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stderr[-3000:]
    assert "its TensorBoard events (tb/) are missing" in skipped.stderr
    assert HINT in skipped.stderr

    (run_dir / "results.json").unlink()
    again = mia_train(*RUN, "hydra.run.dir=run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming: 4 of 4 models already trained" in again.stderr
    assert [p for p in (run_dir / "tb").glob("events.out.tfevents.*")
            if not p.name.endswith(".experiment")]  # fmt: skip
    after = read_json(run_dir / "results.json")
    assert after["status"] == "complete"
    assert after["attacks"].keys() == before["attacks"].keys()
    for name, metrics in before["attacks"].items():
        assert after["attacks"][name]["auc"] == metrics["auc"]
    assert after["utility"] == before["utility"]
    again_scores = np.load(run_dir / "scores.npz")
    assert all(np.array_equal(again_scores[k], v) for k, v in scores.items())
