"""A released row whose largest value no release of a distribution gives: [-800, -800, -5]
at C=3 passed as a top-1 release of p=0.0067 (its other classes read as withheld), yet the
top class of C has probability at least 1/C; top-k keeps it, renormalising raises it, and
rounding to d decimals keeps it within half a step of 10^-d (at 2/3 of it or more). Such
rows are now refused; top-k and rounded releases of real distributions still pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense.api import observations_from_arrays
from mia_defense.defenses.release import RoundingRelease, TopKRelease
from mia_defense.errors import DataError


def _arrays(k=4, n=20, c=3):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(k, n, c))
    masks = np.zeros((k, n), dtype=bool)
    for i in range(n):
        masks[rng.permutation(k)[: k // 2], i] = True
    return z - np.log(np.exp(z).sum(-1, keepdims=True)), masks, rng.integers(0, c, n)


@pytest.mark.parametrize("row", [[-800.0, -800.0, -5.0], [-np.inf, -np.inf, -2.0]])
def test_a_top_class_below_any_release_of_a_distribution_is_refused(row):
    log_probs, masks, labels = _arrays()
    log_probs[1, 2] = row
    with pytest.raises(DataError, match=r"outputs: the log_probabilities of model 1 on record "
                                        r"2 release a top class of probability 0\.\d+, below "
                                        r"2/\(3C\) = 0\.222 for C=3"):  # fmt: skip
        observations_from_arrays(log_probs, masks, labels)


def test_the_same_as_probabilities_is_refused():
    log_probs, masks, labels = _arrays()
    probs = np.exp(log_probs)
    probs[0, 5] = [0.0, 0.1, 0.0]
    with pytest.raises(DataError, match=r"probabilities of model 0 on record 5 release a top "
                                        r"class of probability 0\.1, below 2/\(3C\)"):  # fmt: skip
        observations_from_arrays(probs, masks, labels, kind="probabilities")


@pytest.mark.parametrize("release", [
    TopKRelease(k=1), TopKRelease(k=2), TopKRelease(k=1, renormalize=True),
    RoundingRelease(decimals=0), RoundingRelease(decimals=1), RoundingRelease(decimals=2),
])  # fmt: skip
def test_releases_of_near_uniform_distributions_pass(release):
    # the least top classes: near-uniform outputs over 3 and over 40 classes
    for c in (3, 40):
        _, masks, labels = _arrays(c=c)
        logits = torch.from_numpy(np.random.default_rng(1).normal(0, 1e-3, (4, 20, c)))
        released = release(logits).numpy()
        observations_from_arrays(released, masks, labels % c)
