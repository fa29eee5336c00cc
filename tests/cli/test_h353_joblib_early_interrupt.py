"""Ctrl-C in a ``launcher=joblib`` sweep's first seconds landed in a pool worker still
importing joblib and numpy (``python -m joblib.externals.loky.backend.popen_loky_posix``),
which printed a KeyboardInterrupt traceback under the interrupted line. A worker started by
the tool ends quietly on a Ctrl-C until its job takes it as a KeyboardInterrupt (h353)."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from mia_defense.cli import entry

fork_exec = pytest.importorskip("joblib.externals.loky.backend.fork_exec")
pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="not POSIX")

# A worker's module whose import waits (as joblib's and numpy's take a second): it says where
# it runs from, then waits for a byte that never comes.
SLOW_MODULE = """import os, sys
os.write(int(sys.argv[1]), f"{sys.argv[0]}|{sys.path[0]}".encode())
os.read(int(sys.argv[2]), 1)
"""


def test_a_worker_interrupted_as_it_starts_ends_quietly(tmp_path, monkeypatch, capfd):
    (tmp_path / "slow_worker.py").write_text(SLOW_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(entry, "_WORKER_MODULE", "slow_worker")
    monkeypatch.setattr(fork_exec, "fork_exec", fork_exec.fork_exec)  # (restored after)
    entry.quiet_pool_worker_starts()
    said, says = os.pipe()
    waits, never = os.pipe()
    try:
        pid = fork_exec.fork_exec([sys.executable, "-m", "slow_worker", str(says), str(waits)],
                                  [says, waits])  # (as loky's Popen starts a worker)
        where = os.read(said, 4096).decode()
        os.kill(pid, signal.SIGINT)  # Ctrl-C while it imports
        _, status = os.waitpid(pid, 0)
    finally:
        for fd in (said, says, waits, never):
            os.close(fd)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
    assert "Traceback" not in capfd.readouterr().err
    # (run as python -m runs it: its file as argv[0], the launch folder first on its path)
    assert where == f"{tmp_path / 'slow_worker.py'}|{tmp_path}"


def test_the_job_takes_ctrl_c_from_a_quiet_worker_only(monkeypatch):
    def quiet(signum, frame):  # (the worker's own, as _WORKER_START installs it)
        raise AssertionError

    quiet.mia_pool_worker = True  # type: ignore[attr-defined]

    def tools(signum, frame):  # (run_entry's, in the tool's own process)
        raise KeyboardInterrupt

    before = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, quiet)
        entry.take_interrupts_in_job()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, tools)
        entry.take_interrupts_in_job()
        assert signal.getsignal(signal.SIGINT) is tools
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.slow
def test_ctrl_c_as_the_pool_starts_ends_a_joblib_sweep_with_its_one_line(tmp_path):
    from tests.helpers import stopped_joblib_sweep

    def at_the_workers_start(pid: int) -> None:  # (pressed as the pool's workers import)
        import time

        deadline = time.monotonic() + 60
        while not entry._child_pids(pid) or len(entry._child_pids(pid)) < 3:
            assert time.monotonic() < deadline  # (its resource trackers, then a worker)
            time.sleep(0.01)
        time.sleep(0.3)  # (inside their imports of joblib and numpy, as a rule)
        os.killpg(pid, signal.SIGINT)

    code, stderr, _ = stopped_joblib_sweep(tmp_path, "1,2", ready=lambda sweep: True,
                                           stop=at_the_workers_start)  # fmt: skip
    assert code == 130, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.count("interrupted; run the same command again to resume") == 1
