"""Log-probabilities so low at every class of an output that each is probability 0 (all
-1e30, or -800: below float64's exp range) passed the file checks, where an output of all
-inf ('withholds every class') and one of all -200 ('sum to 4e-87 ... not a distribution')
are refused: every non-member's output made -1e30 read as a perfect attack (loss AUC 1.0).
Such an output is now refused too."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.api import observations_from_arrays
from mia_defense.errors import DataError


def _arrays(k=4, n=20, c=3):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(k, n, c))
    masks = np.zeros((k, n), dtype=bool)
    for i in range(n):
        masks[rng.permutation(k)[: k // 2], i] = True
    return z - np.log(np.exp(z).sum(-1, keepdims=True)), masks, rng.integers(0, c, n)


@pytest.mark.parametrize("low", [-1e30, -800.0])
def test_an_output_of_probability_zero_everywhere_is_refused(low):
    log_probs, masks, labels = _arrays()
    log_probs[1, 2] = [low, -np.inf, low]
    with pytest.raises(DataError, match=r"outputs: the log_probabilities of record 2 of model 1 "
                                        r"are all so low .* every class has probability 0"):
        observations_from_arrays(log_probs, masks, labels)


def test_tiny_but_representable_probabilities_still_pass():
    log_probs, masks, labels = _arrays()
    log_probs[1, 2] = [-700.0, -np.inf, 0.0]  # a top-1 release beside a tiny released class
    observations_from_arrays(log_probs, masks, labels)
    observations_from_arrays(log_probs.astype(np.float32), masks, labels)
