"""mask_check (metrics.consistency's __all__) on Observations built with 0/1 integer masks
(kept as given) compared records N-1 and N-2 as every model's OUT records (~1 is -2, an
index), and read records of 2 as checked: both silently. Int masks now check as bool ones;
records other than True/False or 0/1, or of another length, are refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.metrics.consistency import mask_check
from tests.attacks.synthetic import full_observations


@pytest.fixture(scope="module")
def obs():
    return full_observations(signal=1.0, num_models=4, num_samples=60, num_augmented=2)


def test_integer_masks_check_as_bool_ones(obs):
    as_ints = dataclasses.replace(obs, masks=obs.masks.astype(np.int64))
    assert mask_check(as_ints) == mask_check(obs)


@pytest.mark.parametrize("records, said", [
    (np.arange(60) % 3, r"mask_check: records holds 2"),
    (np.ones(10, bool), r"mask_check: records has shape \(10,\), expected \(60,\)"),
])
def test_records_that_are_no_mask_of_the_records_are_refused(obs, records, said):
    with pytest.raises(DataError, match=said):
        mask_check(obs, records=records)
