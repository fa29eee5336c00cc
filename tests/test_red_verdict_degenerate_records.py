"""plan.num_models=2: results.json's most_vulnerable listed ten records at record_auc 1.0,
each resting on one member and one non-member score (every record's AUC is 0, 0.5 or 1),
with nothing to say so. Each entry now says how many scores its AUC rests on."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.pipeline.evaluate import _record_views
from tests.helpers import synthetic_observations


def _worst(num_models: int):
    obs = synthetic_observations(num_models=num_models, num_samples=60, signal=1.0)
    targets = np.arange(num_models)
    results = run_attacks(obs, {"loss": loss_attack}, targets=targets,
                          evaluation=EvaluationConfig(fprs=[0.1], bootstrap=0))
    _, _, worst = _record_views(
        results, obs, is_canary=np.zeros(60, bool), population_idx=np.arange(60),
        fprs=[0.1], strongest_name="loss",
    )
    return worst


def test_each_most_vulnerable_record_says_how_many_scores_its_auc_rests_on():
    for entry in _worst(2):
        assert entry["member_scores"] == 1 and entry["nonmember_scores"] == 1
        assert entry["record_auc"] in (0.0, 0.5, 1.0)
    for entry in _worst(8):
        assert entry["member_scores"] + entry["nonmember_scores"] == 8
