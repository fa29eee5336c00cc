"""h459: a single run (no -m) refused by its task before it claimed its folder (an objective
no run records, `+objectives=[nonsense.x]`; data the run cannot take, a CSV of one class)
left that folder behind holding only a train.log with the refusal, and where the folder was
named from the clock (the default outputs/<date>/<time>) one such folder per refused
attempt; a refusal of the config checks before Hydra made the folder leaves none
(`tests.helpers.refused_before_run_dir`). Now a refused single run writes nothing there: its
log lines (on the console) are dropped and the folders made for it removed. A folder that
was there already stays as it was; a point of a sweep keeps its train.log (the sweep names
it: tests/cli/test_h168_train_refused_in_another_runs_folder.py)."""

from __future__ import annotations

from tests.helpers import FAST, mia_train

SMALL = ("plan.num_models=2", "train.epochs=1", "plan.reference_size=300", "progress=false")
UNKNOWN = "+objectives=[nonsense.x]"


def test_an_objective_refused_in_a_new_folder_leaves_none(tmp_path):
    run_dir = tmp_path / "made" / "for" / "run"
    done = mia_train(*SMALL, UNKNOWN, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "ConfigError: objectives: unknown objective 'nonsense.x'" in done.stderr
    assert sorted(tmp_path.iterdir()) == []  # ("made" and "for" were made for it too)
    # the same folder then takes a run as any new one (without the attack stage's extras)
    done = mia_train(*SMALL, *FAST, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ConfigError" not in (run_dir / "train.log").read_text()


def test_data_refused_in_a_new_folder_leaves_none(tmp_path):
    (tmp_path / "one_class.csv").write_text("a,b,label\n1,2,0\n3,4,0\n")
    done = mia_train(*SMALL, "dataset=csv", "dataset.path=one_class.csv",
                     "dataset.label_column=label", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "a single class" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one_class.csv"]


def test_a_folder_named_from_the_clock_is_not_left(tmp_path):
    done = mia_train(*SMALL, UNKNOWN, cwd=tmp_path)  # (outputs/<date>/<time>)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "unknown objective 'nonsense.x'" in done.stderr
    assert not (tmp_path / "outputs").exists()


def test_a_folder_that_was_there_stays_as_it_was(tmp_path):
    kept = tmp_path / "mine"
    kept.mkdir()
    done = mia_train(*SMALL, UNKNOWN, f"hydra.run.dir={kept}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert kept.is_dir() and list(kept.iterdir()) == []
