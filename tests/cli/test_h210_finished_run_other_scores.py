"""A finished run whose scores.npz is another run's (copied over it) or edited was skipped by
mia-train started again on it without a word (results.json records no sha256 of
scores.npz), while mia-report drew no ROC curve for it ('not the scores the run's figures
were measured on') and a reader of the per-record scores took the other run's. The skip now
warns, naming the file and how to write it anew from the run's saved models; mia-attack's
skip of its own finished run likewise (helper h210)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import (
    LEAN_ATTACKS,
    built_once,
    mia_attack,
    mia_train,
    synthetic_observations,
)

TINY = ["plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS]
SAID = "a complete run, skipped as finished, but "


def two_seeds(root: Path) -> Path:
    """``root/seed0`` and ``root/seed1``: mia-train's runs of `TINY` at seeds 0 and 1."""
    for seed in (0, 1):
        done = mia_train(*TINY, f"seed={seed}", f"hydra.run.dir=seed{seed}", cwd=root)
        assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`two_seeds`, trained once for the session (test_h125_finished_run_files_replaced
    reads the same two runs), to be copied, never written into."""
    return built_once(tmp_path_factory, "tiny_seeds_0_1", two_seeds)


def _skip(run: Path, cwd: Path) -> str:
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file() and p.name != ".lock"}
    done = mia_train(*TINY, "seed=0", f"hydra.run.dir={run}", cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping finished run" in done.stderr
    after = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file() and p.name != ".lock"}
    assert {k: v for k, v in after.items() if k != "train.log"} == {
        k: v for k, v in before.items() if k != "train.log"}  # nothing of the run changed
    return done.stderr


def test_a_finished_run_holding_another_runs_scores_is_skipped_with_a_warning(runs, tmp_path):
    run = Path(shutil.copytree(runs / "seed0", tmp_path / "run"))
    shutil.copyfile(runs / "seed1" / "scores.npz", run / "scores.npz")
    strongest = json.loads((run / "results.json").read_text())["strongest_attack"]
    stderr = _skip(run, tmp_path)
    assert f"{run}: {SAID}{run / 'scores.npz'}: its {strongest} scores give an AUC of " in stderr
    assert "not the scores the run's figures were measured on" in stderr
    assert ("delete scores.npz and results.json alone, not the folder, and run the same command "
            "again to write them anew from the run's saved models") in stderr
    assert "Traceback" not in stderr


def test_a_scores_file_without_the_strongest_attack_is_named(runs, tmp_path):
    run = Path(shutil.copytree(runs / "seed0", tmp_path / "run"))
    strongest = json.loads((run / "results.json").read_text())["strongest_attack"]
    with np.load(run / "scores.npz") as data:
        kept = {k: data[k] for k in data.files if k != f"scores/{strongest}"}
    np.savez(run / "scores.npz", **kept)
    stderr = _skip(run, tmp_path)
    assert f"{run}: {SAID}{run / 'scores.npz'}: no array 'scores/{strongest}'" in stderr


def test_an_untouched_finished_run_is_skipped_without_a_warning(runs, tmp_path):
    run = Path(shutil.copytree(runs / "seed0", tmp_path / "run"))
    assert SAID not in _skip(run, tmp_path)


def test_mia_attacks_finished_run_holding_another_runs_scores_is_skipped_with_a_warning(
    tmp_path,
):
    for seed in (0, 1):
        synthetic_observations(num_models=4, num_samples=60, num_classes=3, seed=seed).save(
            tmp_path / f"o{seed}.npz")
        done = mia_attack(f"o{seed}.npz", *LEAN_ATTACKS, "progress=false",
                          f"hydra.run.dir=a{seed}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
    args = ("o0.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=a0")
    assert SAID not in mia_attack(*args, cwd=tmp_path).stderr
    shutil.copyfile(tmp_path / "a1" / "scores.npz", tmp_path / "a0" / "scores.npz")
    again = mia_attack(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "skipping finished run" in again.stderr
    run = tmp_path / "a0"
    assert f"{run}: {SAID}{run / 'scores.npz'}: its " in again.stderr
    assert ("delete scores.npz and results.json alone, not the folder, and run the same command "
            "again to write them anew from its observations.npz") in again.stderr


def test_a_finished_run_whose_tpr_was_edited_is_not_said_to_stand(runs, tmp_path):
    # the TPR check (e4ca7bd5) says results.json was edited; the warning went on 'Its figures
    # (results.json) stand'
    run = Path(shutil.copytree(runs / "seed0", tmp_path / "run"))
    payload = json.loads((run / "results.json").read_text())
    figures = payload["attacks"][payload["strongest_attack"]]
    figures["tpr@10%fpr"] = (figures["tpr@10%fpr"] + 1) / 2  # (higher: the curve still rises)
    for key in payload["headline"]:  # (its copies alike, as a find-and-replace edits them)
        if key.endswith("tpr@10%fpr") and (payload["strongest_attack"] in key or
                                            "strongest" in key):  # fmt: skip
            payload["headline"][key] = figures["tpr@10%fpr"]
    (run / "results.json").write_text(json.dumps(payload))
    stderr = _skip(run, tmp_path)
    assert "results.json's figure was changed after the run" in stderr
    assert "stand" not in stderr.split(SAID)[1].split("\n")[0]
