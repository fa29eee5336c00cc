"""label_only (calibration=reference) on a user's unbalanced masks read a leak, or its
opposite, in outputs without any membership signal: each record IN for each of 8 models with
probability 0.8, the OUT references it keeps follow the target's membership, and the raw
differences gave AUC 0.54 (0.46 at 0.2). Its scores are now ranked within the samples that
keep as many references, as LiRA's, RMIA's and gradient_norm's are."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks.label_only import label_only
from mia_defense.metrics.roc import roc_metrics


def _observations(p, *, seed, leak=False, k=8, n=1500, c=4):
    rng = np.random.default_rng(seed)
    masks = rng.random((k, n)) < p
    for i in range(n):  # each record IN for some model and OUT for another
        if masks[:, i].all() or not masks[:, i].any():
            masks[rng.integers(k), i] = not masks[0, i]
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(k, n, c)) * 2 + rng.normal(size=(1, n, c)) * 2
    if leak:  # members answered correctly
        model, record = np.nonzero(masks)
        logits[model, record, labels[record]] += 10.0
    return api.observations_from_arrays(logits, masks, labels, kind="logits")


@pytest.mark.parametrize("p", [0.2, 0.8])
def test_no_signal_is_chance_on_unbalanced_masks(p):
    aucs = []
    for seed in range(2):
        obs = _observations(p, seed=seed)
        aucs.append(roc_metrics(label_only(obs, np.arange(8)), obs.masks).auc)
    assert abs(np.mean(aucs) - 0.5) < 0.02, aucs


def test_a_leak_still_shows_on_unbalanced_masks():
    obs = _observations(0.8, seed=0, leak=True)
    assert roc_metrics(label_only(obs, np.arange(8)), obs.masks).auc > 0.6


def test_balanced_masks_keep_their_raw_scores():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), dtype=bool)
    for i in range(20):
        masks[rng.permutation(4)[:2], i] = True
    obs = api.observations_from_arrays(rng.normal(size=(4, 20, 3)), masks,
                                       rng.integers(0, 3, 20), kind="logits")
    scores = label_only(obs, np.arange(4))
    assert set(np.unique(scores)) <= {-1.0, -0.5, 0.0, 0.5, 1.0}  # differences, not ranks
