"""HParams shows the σ DP-SGD trained with, beside the configured ``dp.noise_multiplier``.

Measured: mia-train defense=dp (target ε 8) trained with σ 1.3304 (results.json's
privacy.noise_multiplier and headline privacy/noise_multiplier); TensorBoard's HParams held
dp.noise_multiplier "auto" (the config) and no σ anywhere, so runs compared there could
not be told apart by the noise they trained with.
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

SIGMA = "privacy/noise_multiplier"


def _run(root, name, *, target_epsilon, sigma):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    scores = rng.normal(size=(2, 40)) + masks
    attacks = {"loss": evaluate("loss", scores, masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.001,), bootstrap=0))}  # fmt: skip
    headline = {"utility/test_accuracy": 0.8, "privacy/strongest_tpr@0.1%fpr": 0.01,
                "privacy/epsilon": target_epsilon, "privacy/epsilon_valid": True,
                SIGMA: sigma}  # fmt: skip
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)],
                           epoch_stats=[{"epsilon": target_epsilon}])  # fmt: skip
    flat = {"defense": "dp", "defense.dp.target_epsilon": target_epsilon}
    report = {"dp.target_epsilon": target_epsilon, "dp.noise_multiplier": "auto"}
    log_run(root / name / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams={**flat, **report}, figures=False)  # fmt: skip
    write_json(root / name / "results.json", {"status": "complete", "hparams": flat,
                                              "defense": report, "headline": headline})  # fmt: skip


def test_the_sigma_a_target_epsilon_run_used_is_a_metric_column(tmp_path):
    _run(tmp_path, "eps1", target_epsilon=1.0, sigma=4.21)
    _run(tmp_path, "eps8", target_epsilon=8.0, sigma=1.33)
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["defense.dp.target_epsilon"])
    api = TensorBoardAPI(tmp_path)
    experiment = api.experiment()
    names = {m["name"]["tag"]: m["displayName"] for m in experiment["metricInfos"]}
    assert names[SIGMA] == "σ used (DP-SGD noise multiplier)"
    groups = api.session_groups(experiment)
    for run, sigma in (("eps1", 4.21), ("eps8", 1.33)):
        assert groups[f"{run}/tb"]["metrics"][SIGMA] == pytest.approx(sigma)
        assert groups[f"{run}/tb"]["hparams"]["dp.noise_multiplier"] == "auto"  # the config
    assert SIGMA in api.tags("scalars")["eps8/tb"]
