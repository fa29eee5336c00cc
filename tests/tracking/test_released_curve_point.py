"""A defense that releases other weights than the training curves' last (distillation's
student, early stopping's best epoch restored) gets their figures as one point of
``accuracy/test_released`` (and train, and the losses): the curves are the weights trained,
so distillation's Scalars showed the teacher's test accuracy (0.92, K=4 digits) where the
run's released students had 0.745, a run as accurate as one without a defense."""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI


def _log(tmp_path, histories):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    attacks = {"loss": evaluate("loss", rng.normal(size=(2, 40)) + masks, masks,
                                targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.1,), bootstrap=0))}  # fmt: skip
    log_run(tmp_path / "tb", histories=histories, attacks=attacks,
            scalars={"utility/test_accuracy": 0.5}, hparams={"defense": "x"}, figures=False)
    return TensorBoardAPI(tmp_path)


def _curve(api, tag):
    return [(step, value) for _, step, value in
            api.get(f"/data/plugin/scalars/scalars?run=tb&tag={quote(tag)}")]  # fmt: skip


def test_released_weights_get_their_own_point_beside_the_trained_curves(tmp_path):
    teacher = [EpochRecord(e, 0.5, 0.9, 0.6, 0.92) for e in range(3)]
    histories = [
        ModelHistory(epochs=list(teacher), released=EpochRecord(2, 1.0, 0.8, 1.1, 0.7)),
        ModelHistory(epochs=list(teacher), released=EpochRecord(2, 1.2, 0.8, 1.3, 0.8)),
    ]
    api = _log(tmp_path, histories)
    assert _curve(api, "accuracy/test") == [(s, pytest.approx(0.92)) for s in (1, 2, 3)]
    assert _curve(api, "accuracy/test_released") == [(3, pytest.approx(0.75))]
    assert _curve(api, "loss/train_released") == [(3, pytest.approx(1.1))]


def test_a_model_releasing_its_last_weights_counts_with_them(tmp_path):
    # early stopping restored model 0's best epoch; model 1 released its last weights
    histories = [
        ModelHistory(epochs=[EpochRecord(e, 0.5, 0.9, 0.6, 0.9) for e in range(2)],
                     released=EpochRecord(1, 0.4, 0.9, 0.5, 0.7)),
        ModelHistory(epochs=[EpochRecord(e, 0.5, 0.9, 0.6, 0.5) for e in range(2)]),
    ]
    assert _curve(_log(tmp_path, histories), "accuracy/test_released") == [
        (2, pytest.approx(0.6))]


def test_no_released_point_where_every_model_released_its_last_weights(tmp_path):
    histories = [ModelHistory(epochs=[EpochRecord(0, 0.5, 0.9, 0.6, 0.9)])]
    tags = _log(tmp_path, histories).get("/data/plugin/scalars/tags")
    assert not [tag for tag in tags.get("tb", {}) if tag.endswith("_released")]
