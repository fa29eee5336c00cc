"""Red team (metrics): slice metrics of 0/1 integer truth."""

from __future__ import annotations

import numpy as np

from mia_defense.metrics import slice_metrics


def test_slice_metrics_count_nonmembers_of_integer_truth():
    """0/1 integer truth gave nonmember_scores as the sum of ~truth: -2 per member, -1 per
    non-member (a negative count, read by the FPR-resolution notes)."""
    rng = np.random.default_rng(0)
    truth = rng.random((2, 30)) < 0.5
    scores = rng.normal(size=truth.shape)
    keep = {"all": np.ones(30, bool)}
    want = slice_metrics(scores, truth, keep, fprs=(0.1,))
    got = slice_metrics(scores, truth.astype(np.int64), keep, fprs=(0.1,))
    assert got == want
    assert got["all"]["nonmember_scores"] == int((~truth).sum())
