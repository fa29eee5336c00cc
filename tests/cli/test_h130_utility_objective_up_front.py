"""A ``utility.KEY`` objective that mia-train's results.json never holds is refused before
anything trains: each point of a sweep was trained, then refused, and the sweep's end said
'refused (nothing was run there ...)' of runs it had finished."""

from __future__ import annotations

from mia_defense.report.objectives import UTILITY_FIGURES
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


def test_an_unknown_utility_objective_is_refused_before_training(tmp_path):
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "seed=0,1", *TINY, "+objectives=[utility.test_acc]",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: objectives: 'utility.test_acc' is no figure mia-train records" in (
        done.stderr)
    assert not list(sweep.glob("*/results.json"))  # nothing trained


def test_every_utility_figure_named_is_one_a_run_records(tmp_path):
    named = ",".join(f"utility.{key}" for key in UTILITY_FIGURES)
    done = mia_train(*TINY, f"+objectives=[{named}]", f"hydra.run.dir={tmp_path / 'run'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
