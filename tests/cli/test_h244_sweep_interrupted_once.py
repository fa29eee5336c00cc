"""A Ctrl-C of a sweep run by ``launcher=joblib`` printed the interrupted line once per
running job and again from mia-train itself (a two-job sweep: three lines), then Python's
resource tracker's ``UserWarning: resource_tracker: There appear to be 2 leaked semaphore
objects`` and its source line: tqdm's lock, a semaphore shared between processes, made in
each worker that the pool then killed (h244). Now a worker writing to mia-train's console
logs the line into its run's train.log only, mia-train says it once (also where only the
workers were interrupted: it printed nothing then), and the bars take a lock of the
process's threads."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mia_defense.cli import entry
from mia_defense.cli.entry import end_interrupted, run_entry
from tests.helpers import both_jobs_training, stopped_joblib_sweep

LINE = "interrupted; run the same command again to resume"


def test_a_workers_line_goes_to_its_log_file_only(tmp_path, capsys, monkeypatch):
    """A process started by a tool whose run_entry prints the line (the environment names
    that tool as this process's parent, writing to this console)."""
    monkeypatch.setenv(entry._SAYS_INTERRUPTED, entry._this_console(os.getppid()))
    log = logging.getLogger("tests.h244")
    console = logging.StreamHandler(sys.stderr)  # (capsys' stream)
    logfile = logging.FileHandler(tmp_path / "train.log")
    log.addHandler(console)
    log.addHandler(logfile)
    log.propagate = False
    try:
        with pytest.raises(SystemExit) as ended:
            end_interrupted(log, LINE)
    finally:
        log.removeHandler(console)
        log.removeHandler(logfile)
        logfile.close()
        log.propagate = True
    assert ended.value.code == 130
    assert LINE not in capsys.readouterr().err
    assert LINE in (tmp_path / "train.log").read_text()
    # its job is over: a Ctrl-C pressed again no longer breaks into the pool's own code
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


@pytest.fixture(autouse=True)
def _python_sigint():
    """Python's own Ctrl-C handler during each test (run_entry installs its own only over
    it), and again after it."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("ignored", [True, False], ids=["soon_after", "later"])
def test_ctrl_c_pressed_again_while_stopping(tmp_path, monkeypatch, ignored):
    """A second Ctrl-C soon after the first is ignored, so the clean-up of the first runs
    to its end; one after `_AGAIN_IGNORED_S` is raised again (the first may have been
    swallowed by some code)."""
    if not ignored:
        monkeypatch.setattr(entry, "_AGAIN_IGNORED_S", 0.0)
    cleaned = tmp_path / "cleaned"

    def task() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # (the handler runs at once)
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGINT)  # pressed again during the clean-up
            time.sleep(0.2)
            cleaned.touch()
            raise

    with pytest.raises(SystemExit) as ended:
        run_entry(task, started=lambda: True, interrupted=LINE)
    assert ended.value.code == 130
    assert cleaned.exists() is ignored


def test_the_tool_says_a_workers_interruption(capsys):
    """A worker's exit 130, raised again in mia-train by the launcher, no signal here."""

    def task() -> None:
        raise SystemExit(130)

    with pytest.raises(SystemExit) as ended:
        run_entry(task, started=lambda: True, interrupted=LINE)
    assert ended.value.code == 130
    assert capsys.readouterr().err.count(LINE) == 1


# A process-pool worker that shows a (silent) progress bar and is then killed, as the pool
# kills its workers after a Ctrl-C; with or without `progress_lock_in_process` first.
_KILLED_WORKER = textwrap.dedent("""
    import multiprocessing, os, signal, sys
    def job(locked):
        if locked:
            from mia_defense.cli.entry import progress_lock_in_process
            progress_lock_in_process()
        from tqdm.auto import tqdm
        with tqdm(total=1, disable=True):
            pass
        os.kill(os.getpid(), signal.SIGKILL)
    if __name__ == "__main__":
        worker = multiprocessing.get_context("spawn").Process(target=job,
                                                              args=(sys.argv[1] == "1",))
        worker.start()
        worker.join()
""")


def test_a_killed_workers_progress_bar_leaks_no_semaphore(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(_KILLED_WORKER)
    said = {}
    for locked in ("0", "1"):
        done = subprocess.run([sys.executable, str(script), locked], capture_output=True,
                              text=True, timeout=60, cwd=os.getcwd())  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        said[locked] = done.stderr
    assert "leaked semaphore" in said["0"]  # (tqdm's own lock: the fault, as measured)
    assert said["1"] == ""


@pytest.mark.slow
def test_a_ctrl_c_of_a_joblib_sweep_prints_one_line(tmp_path):
    def ctrl_c(pid: int) -> None:
        time.sleep(0.5)
        os.killpg(pid, signal.SIGINT)  # as Ctrl-C: the whole process group

    code, stderr, sweep = stopped_joblib_sweep(tmp_path, "100000,100001",
                                               ready=both_jobs_training, stop=ctrl_c)  # fmt: skip
    assert code == 130, stderr[-3000:]
    assert stderr.count("interrupted") == 1, stderr
    assert stderr.rstrip().endswith(LINE), stderr
    assert "Traceback" not in stderr and "leaked semaphore" not in stderr, stderr
    for log in sweep.glob("*/train.log"):  # each run's log says it was interrupted
        assert LINE in log.read_text()
