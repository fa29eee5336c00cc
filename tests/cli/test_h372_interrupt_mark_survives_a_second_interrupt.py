"""A second Ctrl-C (or SIGTERM) that reached a run while it wrote its ``interrupted`` mark
(later than `_AGAIN_IGNORED_S` after the first: a slow disk's sync; or at once in a
``launcher=joblib`` worker, whose job takes each Ctrl-C) cut that write short: results.json
kept reading ``running``, so mia-report and mia-attack took the run for one killed by
SIGKILL or the OOM killer, and what the run kept was not said. The mark is written whole,
and the second interrupt is delivered after it."""

from __future__ import annotations

import os
import signal

import pytest

import mia_defense.cli.entry as entry
import mia_defense.experiment as experiment
from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_second_interrupt_during_the_interrupted_mark(tmp_path, monkeypatch, signum):
    monkeypatch.setattr(entry, "_AGAIN_IGNORED_S", 0.0)  # (the second comes later than it)
    mark_run = experiment.mark_run
    sent = []

    def interrupted_twice(run_dir, *, status, **fields):
        if status == "interrupted":  # the second, as the mark is written
            sent.append(status)
            os.kill(os.getpid(), signum)
        mark_run(run_dir, status=status, **fields)
        if status == "running":  # the first, once the run began
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(experiment, "mark_run", interrupted_twice)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert sent == ["interrupted"]
    assert done.returncode == (130 if signum == signal.SIGINT else 143), done.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
    assert "Traceback" not in done.stderr
