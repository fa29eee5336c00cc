"""A real `mia-train -m` sweep over defenses and a real single run, looked at through
TensorBoard's own HParams backend: the sweep's one experiment config has the union of its
runs' columns (dp.* and weight_decay.* included), ``defense`` ticked, ε among the metrics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from mia_defense.tracking.hparams import CAVEATS, NO_VERDICT, SWEEP_EXPERIMENT_DIR
from tests.helpers import LEAN_ATTACKS, mia_train
from tests.tracking.tb_api import TensorBoardAPI

BIN = Path(sys.executable).parent
TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "attack.bootstrap=0",
        "progress=false"]  # fmt: skip
METRICS = [
    "utility/test_accuracy", "privacy/strongest_tpr@0.1%fpr", "privacy/strongest_tpr@1%fpr",
    "privacy/epsilon", "privacy/delta", "privacy/noise_multiplier",
    "privacy/strongest_auc", "privacy/empirical_epsilon",
]  # fmt: skip


def _verdict(results: dict) -> bool:
    """Whether the run gets a privacy verdict (its accuracy above chance, 4f7f277)."""
    return not results.get("utility_below_chance") and not (
        results.get("privacy") or {}).get("no_verdict_reason")


def _metrics(results: dict) -> list[str]:
    """The HParams metrics of the run: without a privacy verdict, no attack's figures (its
    ε and σ stay), as `mia_defense.tracking.hparams.comparison_metrics` leaves them out."""
    if _verdict(results):
        return METRICS
    return [tag for tag in METRICS if not tag.startswith(("privacy/strongest",
                                                          "privacy/empirical"))]


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
    assert len(list(root.glob(f"{SWEEP_EXPERIMENT_DIR}/events.out.tfevents.*.experiment"))) == 1
    api = TensorBoardAPI(root)
    assert "." not in api.get("/data/runs")  # (the config's folder, not the sweep's, h182)
    experiment = api.experiment()
    groups = api.session_groups(experiment)
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert len(groups) == 3
    assert set(infos) == {name for g in groups.values() for name in g["hparams"]}
    assert {"dp.target_epsilon", "dp.max_grad_norm", "weight_decay.coefficient"} <= set(infos)
    assert not [name for name in infos if name.startswith("defense.")]
    # the swept key, why a run has no verdict where one has none (h227), and mia-report's
    # caveats where a run has some (02ee0b84: K=2 here, few reference models)
    no_verdict = any(NO_VERDICT in g["hparams"] for g in groups.values())
    careful = any(CAVEATS in g["hparams"] for g in groups.values())
    assert [name for name, h in infos.items() if h["differs"]] == [
        "defense", *[NO_VERDICT] * no_verdict, *[CAVEATS] * careful]  # fmt: skip
    assert sorted(infos["defense"]["domainDiscrete"]) == ["dp", "none", "weight_decay"]
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == METRICS
    verdicts = []
    for name, group in groups.items():
        results = read_json(root / Path(name).parent / "results.json")
        verdicts.append(_verdict(results))
        expected = {tag: results["headline"][tag] for tag in _metrics(results)
                    if tag in results["headline"]}  # fmt: skip
        assert group["metrics"] == pytest.approx(expected, rel=1e-6)
        assert ("privacy/epsilon" in group["metrics"]) == (group["hparams"]["defense"] == "dp")
        assert (NO_VERDICT in group["hparams"]) == (not verdicts[-1])
    assert any(verdicts)  # (the attacks' columns are checked on at least one run)


@pytest.mark.slow  # about 12 s; tests/tracking/test_hparams.py checks the callback quickly
def test_a_single_run_has_its_own_experiment(tmp_path):
    run_dir = tmp_path / "run"
    _mia_train(*TINY, "defense=dp", "defense.dp.target_epsilon=2", f"hydra.run.dir={run_dir}",
               cwd=tmp_path)  # fmt: skip
    api = TensorBoardAPI(run_dir)
    experiment = api.experiment()
    ticked = sorted(h["name"] for h in experiment["hparamInfos"] if h["differs"])
    keys = ["defense", "dp.target_epsilon", "plan.num_models", "plan.population_size", "release",
            "train.epochs"]  # fmt: skip
    results = read_json(run_dir / "results.json")
    if _verdict(results):
        assert ticked == keys
    else:  # why it has none, among the five columns TensorBoard shows (h227), beside the
        # first four in the command line's order (66f1d56): TINY's, then defense
        assert ticked == sorted(["plan.num_models", "plan.population_size", "train.epochs",
                                 "defense", NO_VERDICT])  # fmt: skip
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == _metrics(results)
    (group,) = api.session_groups(experiment).values()
    assert group["hparams"]["dp.target_epsilon"] == 2.0
    assert group["metrics"]["privacy/epsilon"] == pytest.approx(2.0, abs=0.01)
