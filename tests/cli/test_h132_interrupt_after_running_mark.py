"""A Ctrl-C or SIGTERM that lands just after results.json was marked ``running`` (while the
mark's write syncs the folder) left the run reading ``running`` with nobody running it: one
of three SIGTERMs sent as the mark appeared. Its end is recorded as any interruption's:
``interrupted``, exit 130."""

from __future__ import annotations

import mia_defense.experiment as experiment
from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


def test_an_interrupt_right_after_the_running_mark_is_recorded(tmp_path, monkeypatch):
    mark_run = experiment.mark_run

    def interrupted_once_marked(run_dir, *, status, **fields):
        mark_run(run_dir, status=status, **fields)
        if status == "running":
            raise KeyboardInterrupt  # as the signal handler raises it

    monkeypatch.setattr(experiment, "mark_run", interrupted_once_marked)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
