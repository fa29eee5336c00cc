"""Shokri's attack classifier draws its randomness from the run's seed, like every other
random choice of a run."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.shokri import shokri
from tests.helpers import synthetic_observations


@pytest.mark.slow  # ~5 s: four random forests
def test_the_attack_classifier_follows_the_seed():
    obs = synthetic_observations(num_models=4, num_samples=120, signal=2.0)
    targets = np.arange(2)

    def scores(seed: int) -> np.ndarray:
        return shokri(obs, targets, classifier="random_forest", seed=seed)

    # no subsampling here (fewer rows than max_train_samples): only the forest draws
    np.testing.assert_array_equal(scores(0), scores(0))
    assert not np.array_equal(scores(0), scores(1))
