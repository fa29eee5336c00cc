"""wilson_interval of a share outside [0, 1] (no proportion) raised a raw 'math domain error'
from math.sqrt; like a share that is not finite, it is NaN: no interval."""

from __future__ import annotations

import math

import pytest

from mia_defense.metrics.epsilon import wilson_interval


@pytest.mark.parametrize("share", [-0.5, 1.5, 2.0])
def test_a_share_that_is_no_proportion_has_no_interval(share):
    assert all(math.isnan(end) for end in wilson_interval(share, 10))


def test_proportions_keep_their_interval():
    low, high = wilson_interval(0.5, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    assert wilson_interval(0.0, 10)[0] == 0.0
    assert wilson_interval(1.0, 10)[1] == pytest.approx(1.0)
