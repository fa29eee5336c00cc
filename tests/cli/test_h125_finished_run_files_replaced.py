"""A finished run whose files are no longer those its results.json measured (its
observations.npz or a checkpoint replaced: sha256 recorded in results.json) is refused when
mia-train (or mia-attack, on its own run) is started on it again, not skipped as finished:
it was skipped without a word (exit 0) while mia-report skipped the run saying 'rerun the
run' (helper h125)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_h210_finished_run_other_scores import TINY, two_seeds
from tests.helpers import (
    LEAN_ATTACKS,
    built_once,
    mia_attack,
    mia_train,
    synthetic_observations,
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two finished runs of seeds 0 and 1 (`TINY`: two models, one epoch, the lean attack
    stage), trained once for the session with test_h210_finished_run_other_scores' (the
    same two runs), to be copied, never written into."""
    return built_once(tmp_path_factory, "tiny_seeds_0_1", two_seeds)


def _replace_observations(run: Path, other: Path) -> str:
    shutil.copyfile(other / "observations.npz", run / "observations.npz")
    return "observations.npz in its folder has another sha256 than results.json records"


def _replace_checkpoint(run: Path, other: Path) -> str:
    shutil.copyfile(other / "checkpoints" / "model_0000.pt", run / "checkpoints" / "model_0000.pt")
    return "checkpoints/model_0000.pt in its folder has another sha256 than results.json records"


@pytest.mark.parametrize("replace", [_replace_observations, _replace_checkpoint])
def test_a_finished_run_with_a_replaced_file_is_refused_not_skipped(runs, tmp_path, replace):
    run = tmp_path / "run"
    shutil.copytree(runs / "seed0", run)
    said = replace(run, runs / "seed1")
    before = {p.name: p.read_bytes() for p in (run / "results.json", run / "observations.npz")}
    done = mia_train(*TINY, "seed=0", f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "skipping finished run" not in done.stderr
    assert f"ConfigError: {run / 'results.json'}: {said}" in done.stderr
    assert "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    after = {p.name: p.read_bytes() for p in (run / "results.json", run / "observations.npz")}
    assert after == before  # the evidence stays as it was


def test_an_untouched_finished_run_is_still_skipped(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs / "seed0", run)
    done = mia_train(*TINY, "seed=0", f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping finished run" in done.stderr


def test_mia_attack_refuses_its_finished_run_with_a_replaced_observations_copy(tmp_path):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    args = ("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=a")
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    other = synthetic_observations(num_models=4, num_samples=60, num_classes=3, seed=1)
    other.save(tmp_path / "a" / "observations.npz")
    again = mia_attack(*args, cwd=tmp_path)
    assert again.returncode == 2, again.stderr[-2000:]
    assert "skipping finished run" not in again.stderr
    assert ("It holds mia-attack's run of this source made with files that are not those it "
            "wrote (observations.npz in its folder has another sha256 than results.json "
            "records for it") in again.stderr
    assert "Traceback" not in again.stderr
