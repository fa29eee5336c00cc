"""h393: a Ctrl-C that landed after the run had written its complete results.json (as it
printed its table: python /tmp/h393/intr.py after) ended 'interrupted; run the same command
again to resume': nothing was left to resume, and the same command skipped the run. It now
says the run finished and nothing is lost; an interrupt before that still says 'resume'."""

from __future__ import annotations

import mia_defense.cli.build as build
from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
RESUME = "interrupted; run the same command again to resume"


def test_an_interrupt_after_the_run_finished_says_so(tmp_path, monkeypatch):
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # as the table is printed: results.json is complete

    monkeypatch.setattr(build, "format_table", stopped)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "complete"
    assert ("interrupted after the run finished: its results.json is complete, nothing is "
            "lost; mia-train with hydra.run.dir=run skips it and prints its "
            "figures") in done.stderr
    assert RESUME not in done.stderr and "kept:" not in done.stderr, done.stderr
    monkeypatch.undo()
    again = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "skipping finished run" in again.stderr


def test_an_interrupt_before_the_run_finished_still_says_resume(tmp_path, monkeypatch):
    import mia_defense.experiment as experiment

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # once the models are saved, before the attacks

    monkeypatch.setattr(experiment, "release_population", stopped)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
    assert RESUME in done.stderr and "after the run finished" not in done.stderr


def test_a_finished_run_in_a_folder_of_the_clock_is_not_said_to_resume(tmp_path, monkeypatch):
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "format_table", stopped)
    done = mia_train(*TINY, cwd=tmp_path)  # (outputs/<date>/<time>)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted after the run finished" in done.stderr
    assert "to resume this run" not in done.stderr and RESUME not in done.stderr
