"""Released float32 log-probabilities round log p_y to exactly 0 once p_y is within 6e-8 of
1: the loss and confidence attacks read every such output as tied at the top, members and
non-members alike. On an overfit MLP (digits, train.epochs=200 train.lr=0.01: 31% of its
outputs) they read TPR 0 at 10% FPR at AUC 0.548; log p_y there is now log(1 - the other
classes' mass) from their released log-probabilities (0.111 at 10% FPR, 0.001 at 0.1%)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks import loss_attack, threshold_attack
from mia_defense.attacks.signals import confidence, true_class_log_prob
from mia_defense.metrics import roc_metrics
from mia_defense.observations import Observations


def _confident_observations(seed: int = 0) -> Observations:
    """K=8 models whose true-class logit lies 20-36 above the others' (float32 log p_y is 0
    for nearly all), members' 4 higher."""
    rng = np.random.default_rng(seed)
    k, n, c = 8, 1000, 10
    masks = np.zeros((k, n), bool)
    for record in range(n):
        masks[rng.permutation(k)[: k // 2], record] = True
    labels = rng.integers(0, c, n)
    logits = rng.normal(0.0, 1.0, (k, n, c))
    logits[:, np.arange(n), labels] = rng.uniform(20, 36, n) + 4.0 * masks + rng.normal(
        0.0, 1.0, (k, n))  # fmt: skip
    shifted = (logits - logits.max(axis=-1, keepdims=True)).astype(np.float32)
    # as torch's float32 log_softmax: log p_y is exactly 0 where the others' mass < 6e-8
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return Observations(log_probs=log_probs, labels=labels, masks=masks)


def test_outputs_rounded_to_certainty_are_told_apart_by_the_other_classes():
    obs = _confident_observations()
    released = np.take_along_axis(obs.log_probs, obs.labels[None, :, None], axis=-1)
    assert (released == 0).mean() > 0.9
    assert (true_class_log_prob(obs.log_probs, obs.labels) < 0).all()
    targets = np.arange(8)
    for scores in (loss_attack(obs, targets),
                   threshold_attack(obs, targets, signal="confidence")):  # fmt: skip
        m = roc_metrics(scores, obs.masks[targets])
        assert m.auc > 0.65
        assert m.tpr_at_fpr[0.1] > 0.2 and m.tpr_at_fpr[0.01] > 0.05


def test_withheld_or_zero_other_classes_leave_log_p_at_zero():
    """A label-only, top-1 or rounded release holds nothing of the others' mass: 0 stays."""
    log_probs = np.full((1, 2, 3), -np.inf, np.float32)
    log_probs[0, 0, 1] = 0.0
    log_probs[0, 1, 2] = 0.0
    labels = np.array([1, 0])
    assert true_class_log_prob(log_probs, labels).tolist() == [[0.0, -50.0]]
    assert confidence(log_probs, labels)[0, 0] == 1.0
