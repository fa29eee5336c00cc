"""Which models are attacked in turn (attack.num_targets)."""

import numpy as np
import pytest

from mia_defense.attacks.references import DEFAULT_MAX_TARGETS, target_models


@pytest.mark.parametrize(
    ("num_models", "num_targets", "expected"),
    [(4, None, 4), (16, None, 16), (64, None, DEFAULT_MAX_TARGETS), (64, 40, 40), (64, 1, 1)],
)
def test_null_attacks_every_model_up_to_the_cap(num_models, num_targets, expected):
    assert np.array_equal(target_models(num_models, num_targets), np.arange(expected))
