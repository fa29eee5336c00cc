"""HParams shows an ε that is no guarantee in a column of its own, never in the ε column
beside the guarantees.

Measured: mia-train defense=dp dataset=digits_standardized plan.num_models=4 train.epochs=3
recorded privacy.epsilon 7.995 with epsilon_valid false (the features scaled on the members
too); TensorBoard's HParams showed it in 'ε (DP accountant, max over models)' as 7.995, as
the plain digits run whose 7.995 is a guarantee (mia-report marks it '(not a guarantee)').
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

EPS = "privacy/epsilon"
NO_GUARANTEE = "privacy/epsilon_no_guarantee"


def _run(root, name, **privacy):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    scores = rng.normal(size=(2, 40)) + masks
    attacks = {"loss": evaluate("loss", scores, masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.001,), bootstrap=0))}  # fmt: skip
    headline = {"utility/test_accuracy": 0.8, "privacy/strongest_tpr@0.1%fpr": 0.01,
                **{f"privacy/{k}": v for k, v in privacy.items()}}  # fmt: skip
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)],
                           epoch_stats=[{"epsilon": 7.9}])  # fmt: skip
    hparams = {"defense": "dp", "dataset.standardize": name == "standardized"}
    log_run(root / name / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams=hparams, figures=False)  # fmt: skip
    write_json(root / name / "results.json", {"status": "complete", "hparams": hparams,
                                              "defense": {}, "headline": headline})  # fmt: skip


def test_an_epsilon_without_guarantee_is_not_in_the_epsilon_column(tmp_path):
    _run(tmp_path, "plain", epsilon=7.995, epsilon_valid=True, epsilon_refuted=False)
    _run(tmp_path, "standardized", epsilon=7.995, epsilon_valid=False, epsilon_refuted=False)
    _run(tmp_path, "refuted", epsilon=0.5, epsilon_valid=True, epsilon_refuted=True)
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["dataset.standardize"])
    api = TensorBoardAPI(tmp_path)
    experiment = api.experiment()
    names = {m["name"]["tag"]: m["displayName"] for m in experiment["metricInfos"]}
    assert names[EPS] == "ε (DP accountant, max over models; accountant gdp: its RDP upper bound)"
    assert names[NO_GUARANTEE] == (
        "ε, no guarantee (privacy.epsilon_valid false, refuted, doubted by its config or above "
        "1000)")
    groups = api.session_groups(experiment)
    assert groups["plain/tb"]["metrics"][EPS] == pytest.approx(7.995)
    assert NO_GUARANTEE not in groups["plain/tb"]["metrics"]
    for name, value in (("standardized", 7.995), ("refuted", 0.5)):
        assert EPS not in groups[f"{name}/tb"]["metrics"]
        assert groups[f"{name}/tb"]["metrics"][NO_GUARANTEE] == pytest.approx(value)
