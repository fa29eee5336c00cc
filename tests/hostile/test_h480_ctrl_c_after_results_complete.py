"""h480: a Ctrl-C landing in mia-train's own end after the run finished (its results.json
complete, its table printed: the held log's settling, Hydra's end; found by h477,
/tmp/h477/phase.py INT exp) ended 'interrupted; run the same command again to resume',
exit 130, though nothing was left to resume; mia-attack's said only 'nothing was written to
the source'. Both now say the results are complete and name the folder (exit 130, as an
interruption inside the task after the run finished, h393); one before that keeps its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.cli.held_log import HeldLog
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_attack, mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
RESUME = "interrupted; run the same command again to resume"
SOURCE = "interrupted; nothing was written to the source"


def _trained(tmp_path: Path) -> Path:
    """A finished mia-train run to attack, in ``tmp_path/run``."""
    done = mia_train("plan.num_models=2", "plan.population_size=200", "progress=false",
                     "train.epochs=1", *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return tmp_path / "run"


@pytest.fixture
def ctrl_c_as_the_log_settles(monkeypatch):
    """A Ctrl-C as the held log settles, the task's last step (its `finally`)."""
    _stop_as_the_log_settles(monkeypatch)


def _stop_as_the_log_settles(monkeypatch) -> None:
    settle = HeldLog.settle

    def settled_then_stopped(self, *args, **kwargs):
        settle(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(HeldLog, "settle", settled_then_stopped)


def test_mia_train_interrupted_after_its_table_says_nothing_is_left(
    tmp_path: Path, ctrl_c_as_the_log_settles
) -> None:
    done = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(tmp_path / "run" / "results.json")["status"] == "complete"
    assert "run directory: run" in done.stdout  # (its table was printed)
    assert ("interrupted after the run finished: its results.json is complete, nothing is "
            "lost; mia-train with hydra.run.dir=run skips it") in done.stderr, done.stderr
    assert RESUME not in done.stderr and "Traceback" not in done.stderr


def test_mia_train_in_a_folder_of_the_clock_names_no_resume(
    tmp_path: Path, ctrl_c_as_the_log_settles
) -> None:
    done = mia_train(*TINY, cwd=tmp_path)  # (outputs/<date>/<time>)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted after the run finished" in done.stderr
    assert "to resume this run" not in done.stderr and RESUME not in done.stderr


def test_mia_attack_interrupted_after_its_results_says_nothing_is_lost(
    tmp_path: Path, monkeypatch
) -> None:
    source = _trained(tmp_path)
    _stop_as_the_log_settles(monkeypatch)
    done = mia_attack(str(source), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(tmp_path / "out" / "results.json")["status"] == "complete"
    assert ("interrupted after the attack finished: its results.json in out is complete, "
            "nothing is lost or left to resume") in done.stderr, done.stderr
    assert SOURCE not in done.stderr and "Traceback" not in done.stderr


def test_mia_attack_interrupted_before_its_results_keeps_its_line(
    tmp_path: Path, monkeypatch
) -> None:
    import mia_defense.cli.attack as attack

    source = _trained(tmp_path)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(attack, "run", stopped)
    done = mia_attack(str(source), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert SOURCE in done.stderr and "after the attack finished" not in done.stderr
