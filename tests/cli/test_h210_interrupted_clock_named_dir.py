"""An interrupted run in its default directory (outputs/<date>/<time>, named from the clock)
ended with 'interrupted; run the same command again to resume', but the same command named a
new, empty folder from the clock and trained every model again beside the interrupted run,
which nothing ever resumed (a sweep in multirun/<date>/<time> alike). After that line the
tool now names the directory to add to the command (helper h210)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mia_defense.experiment as experiment
from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
HINT = re.compile(r"to resume this (run|sweep), add (hydra\.(?:run|sweep)\.dir)=(\S+) to the "
                  r"same command: its folder's name comes from the clock, so the same command "
                  r"alone starts the \1 anew in a new folder")


@pytest.fixture
def interrupted_once_running(monkeypatch):
    """A Ctrl-C as the run marks itself running (once: the resume runs to the end)."""
    mark_run = experiment.mark_run
    pressed = []

    def mark(run_dir, *, status, **fields):
        mark_run(run_dir, status=status, **fields)
        if status == "running" and not pressed:
            pressed.append(run_dir)
            raise KeyboardInterrupt  # as the signal handler raises it

    monkeypatch.setattr(experiment, "mark_run", mark)
    return pressed


def test_an_interrupted_run_in_a_clock_named_folder_says_which_folder_resumes_it(
    tmp_path, interrupted_once_running
):
    done = mia_train(*TINY, cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted; run the same command again to resume" in done.stderr
    found = HINT.search(done.stderr)
    assert found, done.stderr[-2000:]
    assert found.group(1, 2) == ("run", "hydra.run.dir")
    run_dir = tmp_path / found.group(3)
    assert run_dir.parent.parent == tmp_path / "outputs"
    assert read_json(run_dir / "results.json")["status"] == "interrupted"

    again = mia_train(*TINY, f"{found.group(2)}={found.group(3)}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "complete"
    assert [p.name for p in run_dir.parent.iterdir()] == [run_dir.name]  # no second folder


def test_an_interrupted_sweep_in_a_clock_named_folder_says_which_folder_resumes_it(
    tmp_path, interrupted_once_running
):
    done = mia_train("-m", *TINY, "seed=0,1", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    found = HINT.search(done.stderr)
    assert found, done.stderr[-2000:]
    assert found.group(1, 2) == ("sweep", "hydra.sweep.dir")
    sweep_dir = tmp_path / found.group(3)
    assert Path(interrupted_once_running[0]).parent == sweep_dir
    assert (sweep_dir / "multirun.yaml").is_file()

    again = mia_train("-m", *TINY, "seed=0,1", f"{found.group(2)}={found.group(3)}",
                      cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    statuses = [read_json(p)["status"] for p in sweep_dir.glob("*/results.json")]
    assert statuses == ["complete", "complete"]
    # the same sweep resumed: its record is not kept as an earlier sweep's
    assert "kept the earlier sweep's" not in again.stderr
    assert not list(sweep_dir.glob("multirun.*.yaml"))
    assert [p.name for p in sweep_dir.parent.iterdir()] == [sweep_dir.name]


def test_a_folder_the_user_named_gets_no_hint(tmp_path, interrupted_once_running):
    done = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted; run the same command again to resume" in done.stderr
    assert not HINT.search(done.stderr)


def test_a_sweep_with_a_failed_run_in_a_clock_named_folder_says_which_folder_resumes_it(
    tmp_path, monkeypatch
):
    """A point that stopped on an error after it began (a full disk: results.json 'failed')
    is one the sweep's end says to resume with the same command."""
    from mia_defense.errors import DataError

    release_test = experiment.release_test
    failed = []

    def release_fails_once(*args, **kwargs):
        if not failed:
            failed.append(True)
            raise DataError("observations.npz: No space left on device")
        return release_test(*args, **kwargs)

    monkeypatch.setattr(experiment, "release_test", release_fails_once)
    done = mia_train("-m", *TINY, "seed=0,1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "run the same command again to resume them" in done.stdout
    found = HINT.search(done.stderr)
    assert found, done.stderr[-2000:]
    assert found.group(1, 2) == ("sweep", "hydra.sweep.dir")
    statuses = [read_json(p)["status"] for p in (tmp_path / found.group(3)).glob("*/results.json")]
    assert sorted(statuses) == ["complete", "failed"]


def test_a_refused_point_gets_no_hint(tmp_path):
    """A bad value refused in one point: the same command refuses it again, nothing of it
    is left to resume."""
    done = mia_train("-m", *TINY, "train.lr=0.1,-1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not HINT.search(done.stderr)
