"""mia-attack's output folder must be its own.

- A mia-train run folder whose results.json and checkpoints were deleted (its train.log,
  observations.npz, scores.npz and tb/ left) took mia-attack's results: its arrays were
  written over, its train.log kept beside mia-attack's record, and mia-train then refused
  the folder as 'mia-attack's record ... no models were trained in that folder'. It is
  refused now, before Hydra writes attack.log there, nothing changed.
- A point of a sweep refused in a folder that was another run's (in use, or holding another
  attack's finished run) appended its log lines and its refusal to that run's attack.log
  (or made an empty one): the refused point leaves the other run's files as they were.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, hold_run_lock, mia_attack, mia_train


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("left", ["train.log", "arrays only"])
def test_what_is_left_of_a_training_run_is_refused(fast_run, attacked_run, tmp_path, left):
    folder = Path(shutil.copytree(fast_run.run_dir, tmp_path / "trained"))
    (folder / "results.json").unlink()
    shutil.rmtree(folder / "checkpoints")
    if left == "train.log":
        (folder / "train.log").write_text("[..][mia_defense.cli.train][INFO] - trained\n")
    before = _files(folder)
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=trained",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    found = ("train.log, mia-train's log" if left == "train.log"
             else "observations.npz, scores.npz, tb, with no attack.log of mia-attack's")
    assert (f"ConfigError: hydra.run.dir={folder} holds what is left of another run ({found}): "
            "mia-attack would write") in done.stderr  # fmt: skip
    assert _files(folder) == before
    assert not (folder / "attack.log").exists()


def test_its_own_failed_attempt_is_written_again(attacked_run, tmp_path):
    """A folder of mia-attack's that failed after writing its arrays (no results.json, its
    attack.log there) is attacked again, as the sweep's end says to do."""
    (attacked_run / "results.json").unlink()
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (attacked_run / "results.json").is_file()


@pytest.mark.slow  # a mia-train run trained twice, mia-attack and mia-report: make test-slow
def test_the_training_run_is_trained_again_after_the_refusal(tmp_path):
    train = [*TINY, *LEAN_ATTACKS, "plan.num_models=2", "train.epochs=1", "hydra.run.dir=run"]
    assert mia_train(*train, cwd=tmp_path).returncode == 0
    run = tmp_path / "run"
    shutil.copy2(run / "observations.npz", tmp_path / "o.npz")
    (run / "results.json").unlink()
    shutil.rmtree(run / "checkpoints")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2 and "holds what is left of another run" in done.stderr
    again = mia_train(*train, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (run / "checkpoints").is_dir() and not (run / "attack.log").exists()
    from mia_defense.tracking import read_json

    assert "source" not in read_json(run / "results.json")


@pytest.mark.parametrize("log", ["attack.log", None])
def test_a_point_refused_in_a_folder_in_use_leaves_its_log(attacked_run, tmp_path, log):
    sweep = tmp_path / "sweep"
    fd = hold_run_lock(sweep / "s1")
    try:
        if log:
            (sweep / "s1" / log).write_text("the other run's line\n")
        before = _files(sweep / "s1")
        done = mia_attack("-m", "o.npz", *LEAN_ATTACKS, "progress=false", "seed=1,2",
                          "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}",
                          cwd=tmp_path)  # fmt: skip
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"s1: ConfigError: {sweep / 's1'} is in use by pid 1 on elsewhere" in done.stdout
    assert _files(sweep / "s1") == before
    assert (sweep / "s2" / "results.json").is_file()
    assert "attack loss: AUC" in (sweep / "s2" / "attack.log").read_text()


def test_a_point_refused_by_another_finished_attack_leaves_its_log(attacked_run, tmp_path):
    args = ("-m", "o.npz", *LEAN_ATTACKS, "progress=false", "hydra.sweep.dir=sweep",
            "hydra.sweep.subdir=s${seed}")  # fmt: skip
    assert mia_attack(*args, "seed=1", cwd=tmp_path).returncode == 0
    first = tmp_path / "sweep" / "s1"
    before = _files(first)
    done = mia_attack(*args, "seed=1,2", "attack.num_targets=2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: hydra.sweep.subdir=" in done.stdout
    assert "holds a run already (results.json)" in done.stderr
    assert _files(first) == before
    assert (tmp_path / "sweep" / "s2" / "results.json").is_file()


def test_a_point_refused_in_what_is_left_of_a_training_run(fast_run, attacked_run, tmp_path):
    folder = tmp_path / "sweep" / "s1"
    shutil.copytree(fast_run.run_dir, folder)
    (folder / "results.json").unlink()
    shutil.rmtree(folder / "checkpoints")
    before = _files(folder)
    done = mia_attack("-m", "o.npz", *LEAN_ATTACKS, "progress=false", "seed=1",
                      "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "holds what is left of another run" in done.stdout
    assert _files(folder) == before


def test_mia_train_names_a_folder_an_older_mia_attack_wrote_over(attacked_run, tmp_path):
    """A folder mixed before the refusal (mia-attack's record beside the training run's
    train.log) was refused as one where 'no models were trained'; it says what happened."""
    (attacked_run / "train.log").write_text("[..][mia_defense.cli.train][INFO] - trained\n")
    before = _files(attacked_run)
    done = mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: run/results.json is mia-attack's record of the attack on " in (
        done.stderr)
    assert "written into what was left of a mia-train run (its train.log is there)" in done.stderr
    assert "no models were trained in that folder" not in done.stderr
    assert _files(attacked_run) == before


def test_a_bad_value_refused_in_another_runs_folder_leaves_its_log(attacked_run, tmp_path):
    """A point refused for its own value (before it claims its folder) wrote the refusal
    into the attack.log of the finished run its folder held; a new folder keeps it."""
    args = ("-m", "o.npz", *LEAN_ATTACKS, "progress=false", "hydra.sweep.dir=sweep",
            "hydra.sweep.subdir=s${seed}")  # fmt: skip
    assert mia_attack(*args, "seed=1", cwd=tmp_path).returncode == 0
    first = tmp_path / "sweep" / "s1"
    before = _files(first)
    done = mia_attack(*args, "seed=1,2", "attack.confidence=7", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: attack.confidence=7" in done.stdout
    assert _files(first) == before
    assert "ConfigError: attack.confidence=7" in (tmp_path / "sweep" / "s2" / "attack.log"
                                                  ).read_text()  # fmt: skip


def test_ctrl_c_before_the_claim_leaves_another_runs_log(attacked_run, tmp_path, monkeypatch):
    import mia_defense.cli.attack as cli

    args = ("-m", "o.npz", *LEAN_ATTACKS, "progress=false", "hydra.sweep.dir=sweep",
            "hydra.sweep.subdir=s${seed}")  # fmt: skip
    assert mia_attack(*args, "seed=1", cwd=tmp_path).returncode == 0
    first = tmp_path / "sweep" / "s1"
    before = _files(first)

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "read_source", interrupted)
    done = mia_attack(*args, "seed=1", "attack.num_targets=2", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-3000:]
    assert "interrupted; nothing was written to the source" in done.stderr
    assert _files(first) == before
