"""Hostile settings (helper 149) of texas_like: too few features for its patient attributes."""

from __future__ import annotations

import signal

import pytest

from mia_defense.data import make_texas_like
from mia_defense.errors import ConfigError


def _stuck(signum, frame):
    raise TimeoutError("make_texas_like did not return in 20 s")


@pytest.mark.parametrize("num_features", [10, 20, 31])
def test_too_few_features_are_refused_not_looped_on(num_features):
    """dataset.num_features from 10 (the least the size check allowed) to 31 never returned:
    the patient attributes, halved down to 2 values each (16 features), were halved again
    and again to fit in half the features."""
    previous = signal.signal(signal.SIGALRM, _stuck)
    signal.alarm(20)
    try:
        with pytest.raises(ConfigError, match=rf"dataset\.num_features={num_features}: must "
                                              r"be >= 32 for texas_like"):
            make_texas_like(num_samples=200, num_features=num_features, num_classes=4,
                            codes_per_class=5)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_fewest_features_allowed_load():
    assert make_texas_like(num_samples=200, num_features=32, num_classes=4,
                           codes_per_class=5).x.shape == (200, 32)
