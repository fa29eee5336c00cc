"""Ctrl-C pressed twice within about 0.05 s during a ``launcher=joblib`` sweep: loky (psutil
not installed) lists the processes it kills as the tool stops from a ``pgrep -P`` child,
which the second Ctrl-C killed too; loky's fallback then failed (AttributeError: 'Popen'
object has no attribute 'kill'), its thread died with a traceback and left a worker alive,
and mia-train waited on it for ever (2 of 3 tries hung). Now the first Ctrl-C the tool
takes makes loky read /proc instead: no child process to kill (h253)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

import pytest

from mia_defense.cli.entry import run_entry
from tests.helpers import both_jobs_training, stopped_joblib_sweep

LINE = "interrupted; run the same command again to resume"

utils = pytest.importorskip("joblib.externals.loky.backend.utils")
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="no /proc")


@pytest.fixture(autouse=True)
def _python_sigint(monkeypatch):
    """Python's own Ctrl-C handler during each test (run_entry installs its own only over
    it), loky's kill restored after it."""
    monkeypatch.setattr(utils, "_posix_recursive_kill", utils._posix_recursive_kill)
    monkeypatch.setattr(utils, "psutil", None)  # (as installed here: loky's pgrep route)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _worker(pid_file: str) -> None:
    """A pool's worker with a child of its own (both sleep)."""
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    Path(pid_file).write_text(str(child))
    time.sleep(60)


def _gone(pid: int) -> bool:
    """Whether ``pid`` has ended (gone, or a zombie not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def test_the_pool_kills_its_workers_without_a_child_process(tmp_path, monkeypatch):
    def task() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C, as the tool takes it
        time.sleep(5)

    with pytest.raises(SystemExit) as ended:
        run_entry(task, started=lambda: True, interrupted=LINE)
    assert ended.value.code == 130

    pid_file = tmp_path / "child"
    worker = multiprocessing.get_context("fork").Process(target=_worker, args=(str(pid_file),))
    worker.start()
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    child = int(pid_file.read_text())

    def pressed_again(*args, **kwargs):  # Ctrl-C pressed again: pgrep killed by it
        raise subprocess.CalledProcessError(-signal.SIGINT, args[0] if args else "pgrep")

    monkeypatch.setattr(subprocess, "check_output", pressed_again)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loky's 'Failed to kill subprocesses' warning
            utils.kill_process_tree(worker)  # as loky kills each worker of the pool
        assert worker.exitcode == -signal.SIGKILL
        deadline = time.monotonic() + 5
        while not _gone(child):  # the worker's own child is killed too
            assert time.monotonic() < deadline, "the worker's child was left running"
            time.sleep(0.02)
    finally:
        for pid in (worker.pid, child):
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        worker.join(5)


@pytest.mark.slow
def test_ctrl_c_pressed_twice_at_once_ends_a_joblib_sweep(tmp_path):
    def twice(pid: int) -> None:
        time.sleep(0.5)
        os.killpg(pid, signal.SIGINT)
        time.sleep(0.02)
        os.killpg(pid, signal.SIGINT)  # pressed again at once

    code, stderr, _ = stopped_joblib_sweep(tmp_path, "100000,100001", ready=both_jobs_training,
                                           stop=twice)  # fmt: skip
    assert code == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "Failed to kill" not in stderr, stderr[-3000:]
    assert stderr.count(LINE) == 1, stderr[-3000:]
