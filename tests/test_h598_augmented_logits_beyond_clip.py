"""Augmented true-class logits beyond +-50 are refused (h598): mia-train clips its own and
the plain query's there, and two of 1e6 among 1600 widened LiRA's pooled variance of their
query (augmented online AUC 0.82 -> 0.70) without a word."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mia_defense.api import observations_from_arrays
from mia_defense.errors import DataError

_K, _A, _N = 4, 2, 6


def _observe(augmented_logits: np.ndarray) -> None:
    probs = np.full((_K, _N, 3), 1 / 3)
    masks = np.arange(_K)[:, None] < np.full((_K, _N), 2)
    labels = np.arange(_N) % 3
    observations_from_arrays(probs, masks, labels, kind="probabilities",
                             augmented_logits=augmented_logits,
                             augmented_predictions=np.zeros((_K, _A, _N), np.int64))


@pytest.mark.parametrize("big", [1e6, -50.5, 3e38])
def test_augmented_logits_beyond_the_clip_are_refused(big):
    logits = np.zeros((_K, _A, _N), np.float32)
    logits[1, 0, 3] = big
    with pytest.raises(DataError, match=(
            rf"augmented_logits: {re.escape(f'{big:g}')} at \[1, 0, 3\] beyond \+-50, where "
            r"the attacks clip .*np.clip\(augmented_logits, -50, 50\)")):
        _observe(logits)


def test_augmented_logits_at_the_clip_pass():
    """mia-train's own, saturated queries at +-50 exactly."""
    logits = np.zeros((_K, _A, _N), np.float32)
    logits[0, 0, 0], logits[2, 1, 5] = 50.0, -50.0
    _observe(logits)
