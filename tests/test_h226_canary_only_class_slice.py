"""A class that only canaries carry got a class slice of 0 records: results.json's
``slices.<attack>.class_<c>`` with ``records: 0``, ``nonmember_scores: 0``, null figures and
no ``too_few_records`` (purchase_like with 60 classes, plan.population_size=300,
attack.canaries.num=10 kind=outlier: class_42 and class_55, the labels of two canaries and
of no regular record), where a class slice holds the class's regular records (canaries
excluded) and one of fewer than 5 says ``too_few_records``. The per-class heatmap drew it
as an unlabelled empty column and counted it among the TPR columns under 1/FPR non-member
scores. Class slices are now those of the regular records' classes, as a class absent
from the population has none."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import _record_views
from tests.helpers import synthetic_observations

_FPRS = [0.1, 0.01]


def test_a_class_only_canaries_carry_gets_no_class_slice():
    obs = synthetic_observations(num_models=4, num_samples=200, num_classes=4, signal=2.0)
    labels = obs.labels % 3  # the regular records: classes 0, 1, 2
    is_canary = np.zeros(200, bool)
    is_canary[-6:] = True
    labels[-3:] = 3  # three canaries carry class 3, which no regular record has
    obs = Observations(log_probs=obs.log_probs, labels=labels, masks=obs.masks)
    results = run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4),
                          evaluation=EvaluationConfig(fprs=_FPRS, bootstrap=0),
                          records=~is_canary)  # fmt: skip
    _, slices, _ = _record_views(
        results, obs, is_canary=is_canary, population_idx=np.arange(200), fprs=_FPRS,
        strongest_name="loss",
    )
    got = slices["loss"]
    assert sorted(got) == ["canaries", "class_0", "class_1", "class_2"]
    assert all(got[f"class_{c}"]["records"] == int(((labels == c) & ~is_canary).sum())
               for c in range(3))  # fmt: skip
    assert got["canaries"]["records"] == 6
