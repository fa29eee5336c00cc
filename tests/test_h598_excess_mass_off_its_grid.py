"""Outputs summing to more than a rounding of theirs can give are refused (h598): the
excess check let every sum up to 2 pass as rounding, so probabilities of 2/3 for each of 3
classes (sum 2, off any grid) and 0.6 for each (sum 1.8, where rounding to 1 decimal gives
at most 1.15) were read by the attacks as distributions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense.api import observations_from_arrays
from mia_defense.defenses.release import RoundingRelease, TopKRelease
from mia_defense.errors import DataError

_K, _N = 4, 30
_MASKS = np.arange(_K)[:, None] < np.full((_K, _N), 2)


def _observe(probs: np.ndarray, kind: str = "probabilities") -> None:
    labels = np.arange(_N) % probs.shape[-1]
    observations_from_arrays(probs, _MASKS, labels, kind=kind)


@pytest.mark.parametrize(("value", "total"), [(2 / 3, "2"), (0.6, "1.8"), (0.66, "1.98")])
def test_sums_no_rounding_explains_are_refused(value, total):
    with pytest.raises(DataError, match=rf"record 0 of model 0 sum to {total} \(top class"):
        _observe(np.full((_K, _N, 3), value))


@pytest.mark.parametrize("classes", [3, 10, 100])
@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_rounding_and_top_k_releases_pass(classes, decimals):
    """mia-defense's own rounding (and top-k) releases of spread and sure outputs."""
    logits = torch.randn(_K, _N, classes, generator=torch.Generator().manual_seed(0))
    for scale in (0.1, 1.0, 5.0):
        released = RoundingRelease(decimals=decimals)(scale * logits)
        _observe(released.numpy(), kind="log_probabilities")
        top_two = TopKRelease(k=2)(scale * logits)  # (rounded: the kept two renormalised)
        _observe(RoundingRelease(decimals=decimals)(top_two).exp().numpy())


def test_the_most_a_rounding_gives_passes():
    """20 classes of probability 0.05 (just above: float64) rounded to 1 decimal: 0.1
    each, a sum of 2 on its grid."""
    probs = np.full((_K, _N, 20), 0.1)
    _observe(probs)
    _observe(np.log(probs).astype(np.float32), kind="log_probabilities")
