"""h420: an Optuna trial whose folder is held by another process waits for it (6cf791a4:
its twin, a trial that drew the same values), and waited for ever where that process never
lets go: stopped or hung (kill -STOP), on another host sharing the folder, or killed while a
process it forked keeps the lock open (its line then names a pid this host no longer has).
By hand, mia-train -m hparams_search=optuna_custom ... into a folder held so: no line after
'waiting for it to end', until killed. The wait now ends with what to do, naming the
folder: at once (two looks) for a gone pid of this host, after `TWIN_STALL_S` seconds with
nothing written there otherwise; each write starts the count again. Seconds here are a fake
clock's (`TWIN_POLL_S` a look)."""

from __future__ import annotations

import os
import time

import pytest

import mia_defense.cli.held_log as held_log
from mia_defense.cli.held_log import wait_for_lock
from mia_defense.cli.sweep_refusals import in_use_refusal
from tests.helpers import mia_train, within
from tests.hostile._locks import gone_pid as _gone_pid  # (test_h425 imports it from here)
from tests.hostile._locks import hold_lock, line_of, since_of
from tests.hostile.test_h405_twin_trial_waits import SEARCH


class Clock:
    """held_log's time: each sleep moves the clock on by its seconds, then ``on_sleep``."""

    def __init__(self, on_sleep=lambda clock: None):
        self.now, self.sleeps, self.on_sleep = 1000.0, 0, on_sleep

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.sleeps += 1
        self.on_sleep(self)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(held_log, "time", clock)
    monkeypatch.setattr(held_log, "TWIN_STALL_S", 10.0)
    monkeypatch.setattr(held_log, "TWIN_POLL_S", 1.0)
    return clock


# The line of a holder on another host (a shared folder): never gone to this one.
ELSEWHERE = "pid 1 on elsewhere since 2026-01-01 00:00:00"


def _held(folder, line: str) -> int:
    return hold_lock(folder / ".lock", line)


def _waited(folder, fd: int) -> str | None:
    """`wait_for_lock` on ``folder`` (within 5 s: it waited for ever before), then ``fd``
    (the lock held) closed."""
    try:
        with within(5):
            return wait_for_lock(folder)
    finally:
        os.close(fd)


def test_a_silent_holder_is_waited_for_a_bounded_time(tmp_path, clock):
    fd = _held(tmp_path, ELSEWHERE)
    said = _waited(tmp_path, fd)
    assert said is not None and said.startswith(
        f"{tmp_path} is in use by pid 1 on elsewhere since 2026-01-01 00:00:00")
    assert "wrote nothing there for 10 s (waited 10 s in all)" in said
    assert "nothing was changed" in said and "run the same command again" in said
    assert in_use_refusal(said)  # (the sweep's end lists it among the folders in use)
    assert clock.sleeps == 10


def test_a_holder_that_writes_is_waited_for(tmp_path, clock):
    fd = _held(tmp_path, ELSEWHERE)

    def writes(clock):  # (its train.log grows for 30 s, then a checkpoint; then silence)
        if clock.sleeps <= 30:
            with open(tmp_path / "train.log", "a") as log:
                log.write("epoch\n")
        elif clock.sleeps == 31:
            (tmp_path / "checkpoints").mkdir()
        elif clock.sleeps == 35:
            (tmp_path / "checkpoints" / "model_0000.pt").write_bytes(b"saved")

    clock.on_sleep = writes
    said = _waited(tmp_path, fd)
    assert said is not None and "wrote nothing there for 10 s (waited 45 s in all)" in said
    assert clock.sleeps == 45


def test_the_wait_ends_when_the_holder_lets_go(tmp_path, clock):
    fd = _held(tmp_path, ELSEWHERE)
    clock.on_sleep = lambda clock: clock.sleeps == 3 and os.close(fd)
    with within(5):
        assert wait_for_lock(tmp_path) is None
    assert clock.sleeps == 3


def test_a_lock_kept_by_a_gone_writers_child_is_said_at_once(tmp_path, clock):
    """Its writer killed, the lock still held (by a process it forked: here, this one), its
    line naming a pid this host no longer has: nothing will end the wait."""
    line = line_of(_gone_pid())
    fd = _held(tmp_path, line)
    said = _waited(tmp_path, fd)
    assert said is not None and said.startswith(f"{tmp_path} is in use by another process: "
                                                 f"its lock's line ({line}) names a process "
                                                 "of this host that is gone")
    assert f"fuser -v {tmp_path}/.lock" in said and in_use_refusal(said)
    assert clock.sleeps == 1  # (seen twice: not the last holder's line a new one writes over)


def test_a_live_pid_of_this_host_is_waited_for(tmp_path, clock):
    # (its parent started before its lock's time: the writer, were the pid checked for reuse)
    line = line_of(os.getppid(), since_of(time.time()))
    fd = _held(tmp_path, line)
    said = _waited(tmp_path, fd)
    assert said is not None and "wrote nothing there for 10 s" in said
    assert clock.sleeps == 10


@pytest.mark.slow  # a tiny one-trial search, in process
def test_a_trial_whose_twin_never_ends_is_refused_naming_its_folder(tmp_path, monkeypatch):
    held = [_held(tmp_path / "sweep" / name, ELSEWHERE)
            for name in ("w0.0", "w0.001")]
    monkeypatch.setattr(held_log, "TWIN_STALL_S", 0.3)
    monkeypatch.setattr(held_log, "TWIN_POLL_S", 0.1)
    try:
        with within(60):
            done = mia_train(*SEARCH, cwd=tmp_path)
    finally:
        for fd in held:
            os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "waiting for it to end" in done.stderr
    assert "in use by pid 1 on elsewhere since 2026-01-01 00:00:00, a trial of this search " \
           "that drew the same values, which wrote nothing there for" in done.stderr
    assert "1 run(s) of this sweep were refused" in done.stdout, done.stdout
    assert not (tmp_path / "sweep" / "w0.001" / "results.json").exists()
