"""A real `mia-train -m` sweep over defenses and a real single run, looked at through
TensorBoard's own HParams backend: the sweep's one experiment config has the union of its
runs' columns (dp.* and weight_decay.* included), ``defense`` ticked, ε among the metrics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_train
from tests.tracking.tb_api import TensorBoardAPI

BIN = Path(sys.executable).parent
TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "attack.bootstrap=0",
        "progress=false"]  # fmt: skip
METRICS = [
    "utility/test_accuracy", "privacy/epsilon", "privacy/noise_multiplier",
    "privacy/strongest_tpr@0.1%fpr",
    "privacy/strongest_tpr@1%fpr", "privacy/strongest_auc", "privacy/empirical_epsilon",
]  # fmt: skip


def _mia_train(*args: str, cwd: Path) -> None:
    """``mia-train ARGS`` started in ``cwd`` (in this process: `tests.helpers.mia_train`)."""
    done = mia_train(*args, cwd=cwd)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_sweep_over_defenses_has_one_experiment_with_every_runs_columns(tmp_path):
    """About 20 s: three tiny runs."""
    root = tmp_path / "sweep"
    _mia_train("-m", *TINY, *LEAN_ATTACKS, "defense=[],[weight_decay],[dp]",
               f"hydra.sweep.dir={root}", cwd=tmp_path)  # fmt: skip
    assert len(list(root.glob("events.out.tfevents.*.experiment"))) == 1
    api = TensorBoardAPI(root)
    experiment = api.experiment()
    groups = api.session_groups(experiment)
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert len(groups) == 3
    assert set(infos) == {name for g in groups.values() for name in g["hparams"]}
    assert {"dp.target_epsilon", "dp.max_grad_norm", "weight_decay.coefficient"} <= set(infos)
    assert not [name for name in infos if name.startswith("defense.")]
    assert [name for name, h in infos.items() if h["differs"]] == ["defense"]
    assert sorted(infos["defense"]["domainDiscrete"]) == ["dp", "none", "weight_decay"]
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == METRICS
    for name, group in groups.items():
        headline = read_json(root / Path(name).parent / "results.json")["headline"]
        expected = {tag: headline[tag] for tag in METRICS if tag in headline}
        assert group["metrics"] == pytest.approx(expected, rel=1e-6)
        assert ("privacy/epsilon" in group["metrics"]) == (group["hparams"]["defense"] == "dp")


@pytest.mark.slow  # about 12 s; tests/tracking/test_hparams.py checks the callback quickly
def test_a_single_run_has_its_own_experiment(tmp_path):
    run_dir = tmp_path / "run"
    _mia_train(*TINY, "defense=dp", "defense.dp.target_epsilon=2", f"hydra.run.dir={run_dir}",
               cwd=tmp_path)  # fmt: skip
    api = TensorBoardAPI(run_dir)
    experiment = api.experiment()
    ticked = sorted(h["name"] for h in experiment["hparamInfos"] if h["differs"])
    assert ticked == ["defense", "dp.target_epsilon", "plan.num_models", "plan.population_size",
                      "release", "train.epochs"]  # fmt: skip
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == METRICS
    (group,) = api.session_groups(experiment).values()
    assert group["hparams"]["dp.target_epsilon"] == 2.0
    assert group["metrics"]["privacy/epsilon"] == pytest.approx(2.0, abs=0.01)
