"""h581: a run folder whose lock (.lock) is still held after its writer was killed (SIGKILL,
the OOM killer), by a process the writer forked that keeps the lock open, its line naming a
pid this host no longer has. ``mia-train hydra.run.dir=X`` (and a sweep's point there) said
'X is in use by pid N on HOST since T; wait for that run to end or choose another
directory': no such run is going, ``ps N`` shows nothing, and nothing ends the wait; a user
told so deletes the folder and its run with it. Said now as an Optuna trial's wait says it
(`held_log.wait_for_lock`): the line names a gone process, the lock is held by one it
started, end that one (fuser -v X/.lock names it), then run the same command again.

A lock left by a killed writer and held by none is the run's to take over, whatever its line
names (a pid reused by another live process of this host): the run is resumed or skipped
(`test_a_stale_lock_naming_a_live_pid_is_taken_over`)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import time

import pytest

import mia_defense.cli.held_log as held_log
from mia_defense.cli.held_log import GONE_HOLDER, GONE_WRITERS_RUN, held_by_a_gone_writer
from mia_defense.errors import ConfigError
from tests.conftest import TINY, compose_cfg
from tests.helpers import FAST, LEAN_ATTACKS, mia_train
from tests.hostile._locks import gone_pid, hold_lock, line_of, since_of

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
WAIT = "wait for that run to end"


def _held_for_a_gone_writer(folder) -> tuple[int, str]:
    """``folder``'s lock held by this process, its line naming a gone pid of this host (a
    writer killed, its forked child keeping the lock): the fd and the line."""
    line = line_of(gone_pid())
    return hold_lock(folder / ".lock", line), line


def test_a_single_run_names_the_gone_writer_and_what_to_end(tmp_path):
    run = tmp_path / "run"
    fd, line = _held_for_a_gone_writer(run)
    try:
        done = mia_train(*RUN, f"hydra.run.dir={run}", cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"{run} is in use by another process: its lock's line ({line}) {GONE_HOLDER} "
            "(killed), yet the lock is held, by a process it started") in done.stderr
    assert f"fuser -v {run}/.lock" in done.stderr and WAIT not in done.stderr
    assert sorted(os.listdir(run)) == [".lock"]  # (nothing written there: no train.log)
    assert (run / ".lock").read_text() == f"{line}\n"


def test_the_claim_names_the_gone_writer_and_what_to_end(tmp_path):
    """The task's own claim (`build.claimed_run`, a sweep's point: no check before it)."""
    from mia_defense.cli.build import run

    fd, line = _held_for_a_gone_writer(tmp_path)
    try:
        with pytest.raises(ConfigError) as refused:
            run(compose_cfg(*FAST), tmp_path)
    finally:
        os.close(fd)
    said = str(refused.value)
    assert f"its lock's line ({line}) {GONE_HOLDER} (killed)" in said and WAIT not in said
    assert said.endswith(f"then run the same command again: {GONE_WRITERS_RUN}")


@pytest.mark.slow  # a sweep's start and end, in process (about 4 s)
def test_a_sweeps_point_names_the_gone_writer_and_what_to_end(tmp_path):
    fd, line = _held_for_a_gone_writer(tmp_path / "sweep" / "s1")
    try:
        done = mia_train("-m", *RUN, "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}",
                         "seed=1", cwd=tmp_path)  # fmt: skip
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"its lock's line ({line}) {GONE_HOLDER}" in done.stdout, done.stdout
    assert "each folder is held by a process that may never let it go" in done.stdout
    assert WAIT not in done.stdout


def test_a_new_holder_writing_its_line_is_not_taken_for_the_gone_one(tmp_path, monkeypatch):
    """A run that took the lock writes its line just after: until then the last writer's is
    there, a gone pid's. Looked at again after a moment, the line is the new holder's."""
    fd, _ = _held_for_a_gone_writer(tmp_path)

    def new_line(seconds: float) -> None:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since T\n".encode(), 0)

    monkeypatch.setattr(held_log.time, "sleep", new_line)
    try:
        assert held_by_a_gone_writer(tmp_path, then="run it again") is None
    finally:
        os.close(fd)


def test_a_live_holder_is_not_said_gone(tmp_path):
    fd = hold_lock(tmp_path / ".lock", line_of(os.getpid(), since_of(time.time())))
    try:
        assert held_by_a_gone_writer(tmp_path, then="run it again") is None
    finally:
        os.close(fd)


def _digests(folder) -> dict[str, str]:
    """Each file's sha256 but the HParams experiment config (tb/*.experiment), which a
    skipped run writes anew (the same config) for TensorBoard."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix != ".experiment"}  # fmt: skip


def test_a_stale_lock_naming_a_live_pid_is_taken_over(lean_run, tmp_path):
    """The finished run's lock held by none, its line naming a live process of this host
    (this one: the killed writer's pid reused): the same command skips the finished run, its
    files as they were (its lock's line and train.log aside)."""
    run = shutil.copytree(lean_run, tmp_path / "run")
    (run / ".lock").write_text(f"pid {os.getpid()} on {socket.gethostname()} since T\n")
    before = _digests(run)
    done = mia_train("plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS,
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping finished run" in done.stderr
    after = _digests(run)
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed <= {".lock", "train.log"} and set(before) <= set(after), changed
