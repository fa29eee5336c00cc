"""HParams shows the δ of a DP run's ε beside it, not only the configured ``dp.delta``.

Measured: mia-train defense=dp (target ε 8, dp.delta=auto) accounted δ 0.00102 (results.json's
privacy.delta and headline privacy/delta); TensorBoard's HParams held dp.delta "auto" (the
config) and ε 7.996 without the δ it holds at, so two runs' ε could not be compared there.
"""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import sessions_under, write_experiment
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI

DELTA = "privacy/delta"


def _run(root, name, *, defense, epsilon=None, delta=None):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    scores = rng.normal(size=(2, 40)) + masks
    attacks = {"loss": evaluate("loss", scores, masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.001,), bootstrap=0))}  # fmt: skip
    headline = {"utility/test_accuracy": 0.8, "privacy/strongest_tpr@0.1%fpr": 0.01,
                "privacy/empirical_epsilon": 0.2, "privacy/empirical_epsilon_delta": 1e-3}
    report = {"defense": defense}
    if epsilon is not None:
        headline |= {"privacy/epsilon": epsilon, DELTA: delta, "privacy/epsilon_valid": True}
        report |= {"dp.target_epsilon": epsilon, "dp.delta": "auto"}
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)], epoch_stats=[{}])
    log_run(root / name / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams=report, figures=False)  # fmt: skip
    write_json(root / name / "results.json", {"status": "complete", "hparams": {},
                                              "defense": report, "headline": headline})  # fmt: skip


def test_the_delta_of_a_dp_runs_epsilon_is_a_metric_column_beside_it(tmp_path):
    _run(tmp_path, "eps1", defense="dp", epsilon=1.0, delta=1.02e-3)
    _run(tmp_path, "eps8", defense="dp", epsilon=8.0, delta=2.5e-4)
    _run(tmp_path, "none", defense="none")
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["defense"])
    api = TensorBoardAPI(tmp_path)
    experiment = api.experiment()
    tags = [m["name"]["tag"] for m in experiment["metricInfos"]]
    assert tags[tags.index("privacy/epsilon") + 1] == DELTA  # beside ε
    names = {m["name"]["tag"]: m["displayName"] for m in experiment["metricInfos"]}
    assert names[DELTA] == "δ of ε (DP accountant)"
    groups = api.session_groups(experiment)
    for run, delta in (("eps1", 1.02e-3), ("eps8", 2.5e-4)):
        assert groups[f"{run}/tb"]["metrics"][DELTA] == pytest.approx(delta)
        assert groups[f"{run}/tb"]["hparams"]["dp.delta"] == "auto"  # the config
    assert DELTA not in groups["none/tb"]["metrics"]  # no accountant, no δ
    assert DELTA in api.tags("scalars")["eps8/tb"]
