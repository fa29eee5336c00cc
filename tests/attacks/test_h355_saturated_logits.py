"""LiRA's signal, the true class's log-odds, was clipped to +-SIGNAL_CLIP (50): a model fit
on features used unscaled (an npz of features up to 5e4, dataset.standardize=false) answered
with log-odds of 1e3 to 1e5, all clipped to 50, and every LiRA score tied: a model with a
0.27 train-test gap read TPR 0 at every FPR (its outputs, unclipped: TPR 0.02 at 1% FPR,
0.22 at 10%). Finite log-odds beyond the clip keep their order below it (h355)."""

from __future__ import annotations

import numpy as np
import torch

from mia_defense.attacks.signals import SIGNAL_CLIP, true_class_logit
from mia_defense.metrics.roc import roc_metrics


def test_saturated_log_odds_keep_their_order_below_the_clip() -> None:
    rng = np.random.default_rng(0)
    margins = np.concatenate([rng.uniform(2e4, 9e4, 200), rng.uniform(1e3, 2e4, 200),
                              [10.0, -30.0, 49.0]])  # fmt: skip
    logits = np.stack([margins, np.zeros_like(margins)], axis=-1)
    log_probs = torch.log_softmax(torch.as_tensor(logits), -1).numpy().astype(np.float32)
    signal = true_class_logit(log_probs, np.zeros(len(margins), dtype=int))
    members = np.arange(len(margins)) < 200
    assert roc_metrics(signal[:400], members[:400], fprs=(0.01,)).tpr_at_fpr[0.01] == 1.0
    assert (np.abs(signal) < SIGNAL_CLIP).all() and len(np.unique(signal[:400])) > 350
    assert np.allclose(signal[400:], [10.0, -30.0, 49.0], atol=1e-4)  # within: as before
    # an exact 0/1 probability (a label-only answer) stays at the clip, above them all
    label_only = np.array([[0.0, -np.inf], [-np.inf, 0.0]], dtype=np.float32)
    assert true_class_logit(label_only, np.array([0, 0])).tolist() == [SIGNAL_CLIP, -SIGNAL_CLIP]
