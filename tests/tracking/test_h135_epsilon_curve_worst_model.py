"""TensorBoard's DP ε curve (``defense/epsilon``) is the worst model's, as the run's ε is.

Measured: mia-train defense=dp plan.num_models=4 train.epochs=3 (digits, target ε 8) recorded
privacy/epsilon 7.995 (the largest of the four models' 7.995, 7.677, 7.665, 7.954), while the
Scalars tab's defense/epsilon ended at 7.823, their mean: a curve below the ε the run claims.
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI


def _history(epsilons: list[float], test_acc: float) -> ModelHistory:
    return ModelHistory(
        epochs=[EpochRecord(e, 1.0, 0.5, 1.2, test_acc) for e in range(len(epsilons))],
        epoch_stats=[{"epsilon": eps} for eps in epsilons],
    )


def test_the_epsilon_curve_is_the_largest_over_models_an_early_stopped_one_included(tmp_path):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    scores = rng.normal(size=(2, 40)) + masks
    attacks = {"loss": evaluate("loss", scores, masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.1,), bootstrap=0))}  # fmt: skip
    # the third model stopped after two epochs with the most ε spent
    histories = [
        _history([2.0, 4.0, 6.0], 0.4), _history([1.0, 3.0, 5.0], 0.6), _history([3.0, 7.0], 0.8),
    ]
    log_run(tmp_path / "tb", histories=histories, attacks=attacks,
            scalars={"utility/test_accuracy": 0.5, "privacy/epsilon": 7.0},
            hparams={"defense": "dp"}, figures=False)  # fmt: skip
    api = TensorBoardAPI(tmp_path)
    points = api.get(f"/data/plugin/scalars/scalars?run=tb&tag={quote('defense/epsilon')}")
    assert [(step, value) for _, step, value in points] == [
        (1, pytest.approx(3.0)), (2, pytest.approx(7.0)), (3, pytest.approx(7.0)),
    ]  # fmt: skip
    curve = api.get(f"/data/plugin/scalars/scalars?run=tb&tag={quote('accuracy/test')}")
    # the other curves stay the means over the models still training
    assert [value for _, _, value in curve] == pytest.approx([0.6, 0.6, 0.5])
