"""attack.num_targets=1: results.json's most_vulnerable listed the first ten records, each
with record_auc null, as the most vulnerable. A record's AUC across the targets compares
the targets that trained on it with those that did not; with one target no record has one
(NaN, correctly), so none is listed, and a warning says why and what to set."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.pipeline.evaluate import _record_views
from tests.helpers import synthetic_observations


def _worst(obs, targets):
    results = run_attacks(obs, {"loss": loss_attack}, targets=np.asarray(targets),
                          evaluation=EvaluationConfig(fprs=[0.1], bootstrap=0))  # fmt: skip
    n = len(obs.labels)
    vulnerability, _, worst = _record_views(
        results, obs, is_canary=np.zeros(n, bool), population_idx=np.arange(n), fprs=[0.1],
        strongest_name="loss",
    )  # fmt: skip
    return vulnerability["loss"], worst


def test_one_target_lists_no_most_vulnerable_record_and_says_why(caplog):
    obs = synthetic_observations(num_models=4, num_samples=60, signal=1.0)
    with caplog.at_level(logging.WARNING):
        vulnerability, worst = _worst(obs, [0])
    assert np.isnan(vulnerability).all()  # (undefined with one target: kept as NaN)
    assert worst == []
    assert "most_vulnerable: no record has an AUC across the targets" in caplog.text
    assert "use attack.num_targets >= 2" in caplog.text


def test_records_without_an_auc_are_never_listed(caplog):
    obs = synthetic_observations(num_models=4, num_samples=60, signal=1.0)
    masks = obs.masks.copy()
    masks[:2, :52] = masks[0, :52]  # targets 0 and 1 agree on 52 records: NaN for them
    obs = type(obs)(log_probs=obs.log_probs, labels=obs.labels, masks=masks)
    with caplog.at_level(logging.WARNING):
        vulnerability, worst = _worst(obs, [0, 1])
    assert 0 < np.isfinite(vulnerability).sum() < 10
    assert len(worst) == np.isfinite(vulnerability).sum()
    assert all(np.isfinite(entry["record_auc"]) for entry in worst)
    assert "most_vulnerable" not in caplog.text
