"""threshold_attack(calibration='class') on Observations built with 0/1 integer masks (which
Observations keeps as given, and every other attack reads as bool) failed with numpy's
'object too deep for desired array' from inside class_calibrated (~1 is -2, an index)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mia_defense.attacks import threshold_attack
from mia_defense.attacks.threshold import class_calibrated
from mia_defense.errors import DataError
from tests.attacks.synthetic import full_observations


def test_integer_masks_calibrate_as_bool_ones():
    obs = full_observations(signal=1.0, num_models=4, num_samples=40, num_augmented=2)
    as_ints = dataclasses.replace(obs, masks=obs.masks.astype(np.int64))
    expected = threshold_attack(obs, np.arange(4), calibration="class")
    assert np.array_equal(threshold_attack(as_ints, np.arange(4), calibration="class"), expected)


def test_masks_of_other_values_are_refused():
    masks = np.array([[1, 0], [0, 2]])
    with pytest.raises(DataError, match=r"class_calibrated: masks holds 2"):
        class_calibrated(np.zeros((2, 2)), np.array([0, 1]), masks, np.arange(2))
