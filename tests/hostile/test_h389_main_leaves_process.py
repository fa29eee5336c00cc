"""A tool's main() called in-process (a notebook, a script) leaves the caller's process as it
found it, whether it was refused, failed mid-run or succeeded: sys.path, os.environ, the
working directory, the root logger and the loggers it had, the signal handlers, torch's
threads, default dtype and grad mode, warnings filters, sys.stdout/stderr and the files fds
1 and 2 point at, and the random states the caller owns (h389). Each case runs twice, from
two folders, and the second call is compared: a module first imported in a call may add a
filter or a variable of its own (README: those stay)."""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from tests.report.fake_runs import make_run

TINY = ("plan.num_models=2", "train.epochs=1", "figures=false", "progress=false")


def _where(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _state() -> dict[str, Any]:
    loggers = {name: (logger.level, logger.handlers[:], logger.propagate, logger.disabled)
               for name, logger in logging.Logger.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    root = logging.getLogger()
    return {
        "sys.path": sys.path[:], "sys.path_hooks": sys.path_hooks[:],
        "os.environ": dict(os.environ), "cwd": os.getcwd(),
        "root logger": (root.level, root.handlers[:]), "loggers": loggers,
        "signals": {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)},
        "torch threads": torch.get_num_threads(), "dtype": torch.get_default_dtype(),
        "grad": torch.is_grad_enabled(), "warnings": warnings.filters[:],
        "streams": (sys.stdout, sys.stderr, getattr(sys.stdout, "errors", None)),
        "fds": (_where(1), _where(2)),
        "random": random.getstate(), "numpy": np.random.get_state()[1].tolist(),  # noqa: NPY002
        "torch rng": torch.get_rng_state().tolist(),
    }


def _left(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = [key for key in before if key != "loggers" and before[key] != after[key]]
    changed += [f"logger {name!r}" for name, was in before["loggers"].items()
                if after["loggers"].get(name) != was]
    return changed


def _main(tool: str, *args: str) -> Callable[[int], object]:
    """The tool's main() on ``args``, each ``{n}`` in them the number of the call."""

    def call(n: int) -> object:
        given = [arg.format(n=n) for arg in args]
        if tool == "report":
            from mia_defense.cli.report import main

            return main(given)
        module = __import__(f"mia_defense.cli.{tool}", fromlist=["main"])
        argv = sys.argv
        sys.argv = [f"mia-{tool}", *given]
        try:
            return module.main()
        finally:
            sys.argv = argv

    return call


def _twice_leaves_nothing(call: Callable[[int], object], ends: object) -> None:
    """``call`` twice, from two folders; the second leaves the process as it found it.
    ``ends``: what it returns, or the class of what it raises."""
    random.seed(389)
    np.random.seed(389)  # noqa: NPY002 (the legacy generator: the caller's own)
    torch.manual_seed(389)
    for n in range(2):
        os.chdir(f"../{('first', 'here')[n]}")  # (the launch folder: each call its own)
        before = _state()
        if isinstance(ends, type) and issubclass(ends, BaseException):
            with pytest.raises(ends):
                call(n)
        else:
            assert call(n) == ends
        if n:
            assert _left(before, _state()) == []


@pytest.fixture
def caller(monkeypatch, tmp_path):
    """A caller in its own folder, its stdout and stderr pytest's."""
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    monkeypatch.delenv("MIA_DEFENSE_LAUNCH_DIR", raising=False)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "path_hooks", sys.path_hooks[:])
    for folder in ("first", "here"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "first")
    return tmp_path


@pytest.mark.parametrize("tool, args", [
    ("train", ("train.lr=abc",)),
    ("attack", ("nosuch.npz",)),
    ("attack", ("nosuch.npz", "attack.num_targets=abc")),
])
def test_a_refused_main_leaves_the_process_as_it_was(caller, tool, args) -> None:
    _twice_leaves_nothing(_main(tool, *args), SystemExit)


def test_a_refused_report_leaves_the_process_as_it_was(caller) -> None:
    _twice_leaves_nothing(_main("report", str(caller / "nosuch")), 2)


def test_a_train_that_fails_mid_run_leaves_the_process_as_it_was(caller, monkeypatch):
    import mia_defense.experiment

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("h389: failed mid-run")

    monkeypatch.setattr(mia_defense.experiment, "run_experiment", fails)
    _twice_leaves_nothing(_main("train", *TINY, f"hydra.run.dir={caller / 'run'}"), SystemExit)


def test_a_report_that_fails_mid_run_leaves_the_process_as_it_was(caller, monkeypatch):
    import mia_defense.report

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("h389: failed mid-run")

    make_run(caller / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    monkeypatch.setattr(mia_defense.report, "write_report", fails)
    _twice_leaves_nothing(_main("report", str(caller / "sweep")), RuntimeError)


@pytest.mark.slow
def test_runs_that_succeed_leave_the_process_as_it_was(caller) -> None:
    _twice_leaves_nothing(_main("train", *TINY, f"hydra.run.dir={caller}/run{{n}}"), None)
    _twice_leaves_nothing(_main("attack", str(caller / "run0"),
                                f"hydra.run.dir={caller}/attacked{{n}}"), None)
    _twice_leaves_nothing(_main("report", str(caller / "run0"), "--out",
                                f"{caller}/report{{n}}"), 0)
