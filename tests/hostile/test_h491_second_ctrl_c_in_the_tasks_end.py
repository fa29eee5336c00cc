"""h491: Ctrl-C pressed again while an interrupted run cleans up (the second one raised out
of the task's ``finally``, the held log's settling, after the task had said its interrupted
line) printed the line a second time: run_entry's ``except KeyboardInterrupt`` said it
whether or not the task had (`end_interrupted`), as its ``SystemExit`` branch does not.
The signals are real ones, sent by the process to itself, so run_entry's own handlers
(`_note_signal`) take them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

import mia_defense.experiment as experiment
from mia_defense.cli import entry
from mia_defense.cli.held_log import HeldLog
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
RESUME = "interrupted; run the same command again to resume"


@pytest.fixture(autouse=True)
def _default_handlers():
    """Python's own handlers, over which run_entry installs its own (and after the test)."""
    before = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
              signal.SIGTERM: signal.signal(signal.SIGTERM, signal.SIG_DFL)}  # fmt: skip
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


def _send(signum: signal.Signals) -> None:
    """``signum`` to this process, taken by run_entry's handler (which raises
    KeyboardInterrupt); never to a handler of the default, which would end pytest."""
    if signal.getsignal(signum) in (signal.SIG_DFL, signal.SIG_IGN, signal.default_int_handler):
        raise RuntimeError(f"no handler of run_entry's for {signum!r}")
    signal.raise_signal(signum)  # (its handler runs before this returns)


def _stopped_twice(monkeypatch, first: signal.Signals) -> None:
    """``first`` as the run trains, Ctrl-C as its task's ``finally`` settles the held log."""

    def training_stopped(*args, **kwargs):
        _send(first)

    settle = HeldLog.settle

    def settled_then_stopped(self, *args, **kwargs):
        settle(self, *args, **kwargs)
        _send(signal.SIGINT)

    monkeypatch.setattr(entry, "_AGAIN_IGNORED_S", 0.0)  # (pressed again, seconds later)
    monkeypatch.setattr(experiment, "run_experiment", training_stopped)
    monkeypatch.setattr(HeldLog, "settle", settled_then_stopped)


@pytest.mark.parametrize(("first", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl_c_twice", "sigterm_then_ctrl_c"])  # fmt: skip
def test_the_interrupted_line_is_said_once(tmp_path: Path, monkeypatch, first, code) -> None:
    _stopped_twice(monkeypatch, first)
    done = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == code, done.stderr[-2000:]
    assert done.stderr.count(RESUME) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert RESUME in (tmp_path / "run" / "train.log").read_text()
