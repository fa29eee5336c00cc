"""A tool's main() called in-process (a notebook, a script) leaves the process as it found
it: its stdout's handling of characters it cannot encode, Hydra's job loggers (h368)."""

from __future__ import annotations

import io
import signal
import sys

import pytest


def test_a_main_puts_stdouts_own_error_handling_back(tmp_path, monkeypatch) -> None:
    """run_entry set the caller's stdout to escape what it cannot encode (so that a run's
    table prints under an ASCII locale) and left it so: a notebook's later print of a
    character its stdout cannot take wrote ``\\xb7`` where it raised before."""
    from mia_defense.cli import train

    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "argv", ["mia-train", "dataset=nosuch"])
    with pytest.raises(SystemExit):
        train.main()
    assert stdout.errors == "strict"
    with pytest.raises(UnicodeEncodeError):
        print("\u00b7", file=stdout)


def test_a_main_leaves_the_callers_loggers_as_hydras_logging_found_them(tmp_path, monkeypatch):
    """Hydra's logging configs (dictConfig) left its ``logging_example`` logger at DEBUG,
    ``hydra.verbose``'s logger of the caller at DEBUG and a logger the caller had disabled
    enabled again, after main() returned (here a run refused once Hydra set its logging up)."""
    import logging

    from mia_defense.cli import train

    quiet, mine = logging.getLogger("h368.quiet"), logging.getLogger("h368.mine")
    monkeypatch.setattr(quiet, "disabled", True)
    monkeypatch.setattr(mine, "level", logging.WARNING)
    example = logging.Logger.manager.loggerDict.get("logging_example")
    if isinstance(example, logging.Logger):  # (an earlier call in this process made it)
        monkeypatch.setattr(example, "level", logging.NOTSET)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", ["mia-train", "train.lr=abc", "hydra.verbose=h368.mine"])
    with pytest.raises(SystemExit) as done:
        train.main()
    assert done.value.code == 2  # (refused in the config's checks, after Hydra's logging)
    assert quiet.disabled and mine.level == logging.WARNING
    assert logging.getLogger("logging_example").level == logging.NOTSET


def _interrupt_handler(_: int) -> str:
    handler = signal.getsignal(signal.SIGINT)
    return getattr(handler, "__name__", str(handler))


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="not POSIX")
def test_a_sweeps_quiet_pool_workers_do_not_serve_the_callers_own_joblib_work(monkeypatch):
    """A launcher=joblib sweep's idle workers, started with the quiet Ctrl-C handler, served
    the caller's own Parallel after main() (loky reuses its pool for 300 s): a Ctrl-C then
    killed them before the caller's ``except KeyboardInterrupt`` in the task could run."""
    joblib = pytest.importorskip("joblib")
    module = pytest.importorskip("joblib.externals.loky.backend.fork_exec")
    from mia_defense.cli import entry
    from mia_defense.library_call import caller_state_kept

    monkeypatch.setattr(module, "fork_exec", module.fork_exec)  # (restored after, whatever)
    same = {"n_jobs": 2, "idle_worker_timeout": 61}  # (a pool of its own: none reused)
    with caller_state_kept():  # (run_entry's, around a main() whose sweep is launcher=joblib)
        entry.quiet_pool_worker_starts()
        sweep = joblib.Parallel(**same)(joblib.delayed(_interrupt_handler)(i) for i in range(2))
        assert set(sweep) == {"stopped"}
    mine = joblib.Parallel(**same)(joblib.delayed(_interrupt_handler)(i) for i in range(4))
    assert set(mine) == {"default_int_handler"}


def test_a_main_leaves_the_callers_log_file_open(tmp_path, monkeypatch) -> None:
    """Hydra's logging configs closed every handler of the process, the caller's own: a log
    file it had opened with mode 'w' (logging.basicConfig(filename=..., filemode='w')) took
    no line after main(), without a word."""
    import logging

    from mia_defense.cli import train

    mine = logging.getLogger("h368.file")
    handler = logging.FileHandler(tmp_path / "mine.log", mode="w")
    mine.addHandler(handler)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", ["mia-train", "train.lr=abc"])
    try:
        with pytest.raises(SystemExit):
            train.main()
        mine.warning("after main")
    finally:
        mine.removeHandler(handler)
        handler.close()
    assert "after main" in (tmp_path / "mine.log").read_text()
