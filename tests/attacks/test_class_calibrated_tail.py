"""Class-calibrated thresholds beyond the shadows' range: the order of the signal is kept.

The calibrated score is the fraction of the shadows' non-members of the sample's class
below its signal, so every sample beyond the highest of them used to score exactly 1.0.
With few shadow non-members per class (here 50: two models, 100 classes), 2% of the
target's non-members pass them all by chance, and tied with the members at 1.0 they took
the whole 0.1% FPR budget: TPR 0 at 0.1% FPR before the fix, with members' signal a
full standard deviation higher (now 0.013; the uncalibrated signal: 0.021). Both tests fail
without the fix.
"""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.threshold import class_calibrated
from mia_defense.metrics import roc_metrics

NUM_MODELS, NUM_SAMPLES, NUM_CLASSES = 2, 10_000, 100


def _signals(shift: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[K, N] signals (standard normal, members' ``shift`` higher, float32 as the signals
    of released outputs are), [N] labels and [K, N] masks, each record in one model."""
    rng = np.random.default_rng(seed)
    labels = np.arange(NUM_SAMPLES) % NUM_CLASSES
    first = rng.random(NUM_SAMPLES) < 0.5
    masks = np.stack([first, ~first])
    signal = rng.normal(0.0, 1.0, masks.shape) + shift * masks
    return signal.astype(np.float32), labels, masks


def _metrics(shift: float, seed: int = 0):
    """The class-calibrated scores [K, N] of every model and their pooled ROC metrics."""
    signal, labels, masks = _signals(shift, seed)
    targets = np.arange(NUM_MODELS)
    scores = class_calibrated(signal, labels, masks, targets)
    return scores, roc_metrics(scores, masks[targets], fprs=(0.001, 0.01))


def test_members_beyond_every_shadow_are_told_from_non_members_that_just_pass():
    scores, metrics = _metrics(shift=1.0)
    signal, _, masks = _signals(1.0)
    passed = scores[~masks] >= 1.0  # beyond the shadows' highest non-member of the class
    assert passed.mean() > 0.01  # more than the 0.1% FPR budget: a tie there costs it all
    assert metrics.tpr_at_fpr[0.001] > 0.005  # 0.0 before the fix
    # within the shadows' range the score is the calibrated fraction, as before
    inside = (scores > 0.0) & (scores < 1.0)
    assert inside.mean() > 0.9
    assert roc_metrics(signal, masks).tpr_at_fpr[0.001] > metrics.tpr_at_fpr[0.001] / 2


def test_the_order_beyond_the_range_is_the_signals_and_chance_stays_chance():
    signal, labels, masks = _signals(0.0, seed=1)
    scores = class_calibrated(signal, labels, masks, np.arange(NUM_MODELS))
    assert (scores >= 1.0).sum() > 100
    for t in range(NUM_MODELS):
        for c in range(NUM_CLASSES):
            beyond = (scores[t] >= 1.0) & (labels == c)
            order = np.argsort(signal[t, beyond])
            assert np.all(np.diff(scores[t, beyond][order]) > 0)  # all 1.0 before the fix
    null = [_metrics(shift=0.0, seed=seed)[1] for seed in range(3)]
    assert all(abs(m.auc - 0.5) < 0.02 for m in null)
    assert all(m.tpr_at_fpr[0.01] < 0.025 for m in null)
