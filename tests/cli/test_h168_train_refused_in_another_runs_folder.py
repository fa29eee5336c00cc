"""A refused mia-train job leaves another run's folder as it was.

A point of a sweep (or a single run, where the folder changed after Hydra's checks) refused in
a folder that was another run's (in use, or holding another config's run) appended its log
lines and its refusal to that run's train.log, and rewrote the holder line of its .lock; so
did one refused for a bad value of its own, or interrupted (Ctrl-C), before it claimed the
folder. Its lines are now held (mia_defense.cli.held_log, as mia-attack's) and dropped there;
a refused run in a new folder still says why in its own train.log.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import TINY
from tests.helpers import FAST, hold_run_lock, mia_train

# fast_run's settings (TINY, then FAST), each key once as on a command line
RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())

LINE = "[2026-01-01 00:00:00,000][mia_defense.cli.train][INFO] - the other run's line\n"


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def _other_run(fast_run, folder: Path) -> Path:
    """A finished run (seed 0) in ``folder``, with a train.log and a .lock of its own."""
    shutil.copytree(fast_run.run_dir, folder)
    (folder / "train.log").write_text(LINE)
    (folder / ".lock").write_text("pid 1 on elsewhere since 2026-01-01 00:00:00\n")
    return folder


SWEEP = ("-m", *RUN, "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}")


def test_a_point_refused_by_another_configs_run_leaves_its_files(fast_run, tmp_path):
    other = _other_run(fast_run, tmp_path / "sweep" / "s1")
    before = _hashes(other)
    done = mia_train(*SWEEP, "seed=1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: " in done.stdout and "holds a complete run of another config" in (
        done.stdout)
    assert _hashes(other) == before  # train.log and .lock included


def test_a_point_refused_in_a_folder_in_use_leaves_its_files(tmp_path):
    fd = hold_run_lock(tmp_path / "sweep" / "s1")
    try:
        (tmp_path / "sweep" / "s1" / "train.log").write_text(LINE)
        before = _hashes(tmp_path / "sweep" / "s1")
        done = mia_train(*SWEEP, "seed=1", cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: " in done.stdout and "is in use by pid 1 on elsewhere" in done.stdout
    assert _hashes(tmp_path / "sweep" / "s1") == before


@pytest.mark.parametrize("other", ["finished", "in use"])
def test_a_bad_value_refused_in_another_runs_folder_leaves_its_log(fast_run, tmp_path, other):
    """Refused for its own value before its claim: written into that run's train.log; a new
    folder gets the refusal in its own train.log."""
    folder = tmp_path / "sweep" / "s-1"
    fd = hold_run_lock(folder) if other == "in use" else None
    try:
        if fd is None:
            _other_run(fast_run, folder)
        else:
            (folder / "train.log").write_text(LINE)
        before = _hashes(folder)
        # (each point refused for its own swept value: a value every point shares stops the
        # sweep before any point)
        done = mia_train(*SWEEP[:-1], "hydra.sweep.subdir=s${train.lr}", "train.lr=-1,-2",
                         cwd=tmp_path)  # fmt: skip
    finally:
        if fd is not None:
            os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s-1: ConfigError: train.lr=-1" in done.stdout
    assert _hashes(folder) == before
    assert "ConfigError: train.lr=-2" in (tmp_path / "sweep" / "s-2" / "train.log").read_text()


def test_its_own_unfinished_run_gets_the_lines(fast_run, tmp_path, monkeypatch):
    """A folder holding this config's own unfinished run (to resume) is this run's: a job
    interrupted before its claim says so in its train.log, as before."""
    import mia_defense.cli.build as build
    from mia_defense.tracking import read_json, write_json

    own = _other_run(fast_run, tmp_path / "sweep" / "s0")
    payload = read_json(own / "results.json")
    write_json(own / "results.json", {**payload, "status": "interrupted"})

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "prepare_data", interrupted)
    done = mia_train(*SWEEP, "seed=0", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-3000:]
    log = (own / "train.log").read_text()
    assert log.startswith(LINE) and "interrupted; run the same command again" in log


def test_ctrl_c_before_the_claim_leaves_another_runs_log(fast_run, tmp_path, monkeypatch):
    import mia_defense.cli.build as build

    other = _other_run(fast_run, tmp_path / "sweep" / "s1")
    before = _hashes(other)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "prepare_data", interrupted)
    done = mia_train(*SWEEP, "seed=1,2", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-3000:]
    assert "interrupted; run the same command again to resume" in done.stderr
    assert _hashes(other) == before
    done = mia_train(*RUN, "hydra.run.dir=new", cwd=tmp_path)  # a new folder: its log says so
    assert done.returncode == 130, done.stderr[-3000:]
    assert "interrupted; run the same command again" in (tmp_path / "new" / "train.log").read_text()


@pytest.mark.parametrize("how", ["in use", "another config"])
def test_a_single_run_whose_folder_changed_after_the_checks(fast_run, tmp_path, monkeypatch, how):
    """Hydra's checks (on_run_start) pass, then another run takes the folder or finishes
    there before the task claims it: the refusal is the task's, after Hydra set up train.log."""
    import mia_defense.cli.train as cli

    monkeypatch.setattr(cli, "refuse_in_use", lambda run_dir: None)
    monkeypatch.setattr(cli, "refuse_run_of_another_config", lambda config: None)
    folder = _other_run(fast_run, tmp_path / "run")
    fd = hold_run_lock(folder) if how == "in use" else None
    try:
        before = _hashes(folder)
        done = mia_train(*RUN, "seed=1", "hydra.run.dir=run", cwd=tmp_path)
    finally:
        if fd is not None:
            os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    said = "is in use by pid 1" if how == "in use" else "holds a complete run of another config"
    assert "ConfigError: " in done.stderr and said in done.stderr
    assert _hashes(folder) == before


def test_a_log_file_that_fails_on_its_held_lines_is_said_once(tmp_path, monkeypatch):
    """train.log that cannot be opened when the held lines reach it (a full disk; here a
    folder of that name): mia-train's guard says so once and takes the file off; the lines
    held were each a failure and the file was put back for every later line."""
    import logging

    import mia_defense.cli.train as cli
    from mia_defense.cli.held_log import HeldLog

    monkeypatch.setattr(cli, "_LOG_FAILED", [])
    (tmp_path / "train.log").mkdir()
    handler = logging.FileHandler(tmp_path / "train.log", delay=True)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        cli._guard_log_files()
        held = HeldLog(tmp_path)
        for n in range(3):
            logging.getLogger("mia_defense.cli.train").warning("line %d", n)
        held.release()
        logging.getLogger("mia_defense.cli.train").warning("after")
        assert handler not in root.handlers
    finally:
        root.removeHandler(handler)
    assert cli._LOG_FAILED == [str(tmp_path / "train.log")]


def test_a_single_run_of_this_config_on_other_data_leaves_its_files(fast_run, tmp_path):
    """The folder holds this config's complete run on other data (a data file changed since):
    refused by the task, after Hydra set up train.log; its train.log and .lock were written."""
    from mia_defense.tracking import read_json, write_json

    folder = _other_run(fast_run, tmp_path / "run")
    payload = read_json(folder / "results.json")
    write_json(folder / "results.json", {**payload, "data_fingerprint": "0123456789abcdef"})
    before = _hashes(folder)
    done = mia_train(*RUN, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: " in done.stderr
    assert "holds a complete run of this config on other data" in done.stderr
    assert _hashes(folder) == before
