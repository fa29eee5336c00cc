"""rmia.choose_a (in the module's __all__) called directly: a grid candidate outside [0, 1]
came back as the chosen a (2.0), NaN log-probabilities chose the grid's first a, masks of 2
counted as IN, all silently; a grid given as a list, log-probabilities as lists or of
another shape were raw TypeErrors / broadcasting errors."""

import numpy as np
import pytest

from mia_defense.attacks.rmia import A_GRID, choose_a
from mia_defense.errors import ConfigError, DataError

RNG = np.random.default_rng(0)
MASKS = RNG.random((6, 40)) < 0.5
LOG_P = np.log(RNG.random((6, 40)))


def test_lists_and_a_list_grid_choose_as_arrays_and_a_tuple_do():
    assert choose_a(LOG_P.tolist(), MASKS.astype(int).tolist()) == choose_a(LOG_P, MASKS)
    assert choose_a(LOG_P, MASKS, grid=list(A_GRID)) == choose_a(LOG_P, MASKS)


@pytest.mark.parametrize("grid", [(2.0, -1.0), (0.5, np.nan), (), "0.5"])
def test_bad_grid_is_refused(grid):
    with pytest.raises(ConfigError, match="choose_a: grid"):
        choose_a(LOG_P, MASKS, grid=grid)


def test_masks_of_2_are_refused():
    with pytest.raises(DataError, match="choose_a: ref_masks holds 2"):
        choose_a(LOG_P, MASKS.astype(int) * 2)


def test_nan_log_probs_and_other_shapes_are_refused():
    with pytest.raises(DataError, match="choose_a: ref_log_p holds NaN"):
        choose_a(np.where(MASKS, np.nan, LOG_P), MASKS)
    with pytest.raises(DataError, match=r"choose_a: ref_log_p of shape \(6, 5\)"):
        choose_a(LOG_P[:, :5], MASKS)


def test_a_grid_of_one_value_is_that_value():
    """A grid of one ``a`` fixes it: the default (0.3, not in the grid) was returned, as
    for a grid whose values all attack alike."""
    assert choose_a(LOG_P, MASKS, grid=(0.5,)) == 0.5
    assert choose_a(LOG_P, MASKS, grid=[0.9]) == 0.9
