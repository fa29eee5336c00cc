"""h387: float16 log-probabilities (a half-precision model's outputs) given to
api.observations_from_arrays raised numpy's raw RuntimeWarning 'overflow encountered in
cast' from the range check (float32's lowest number cast to float16): a stray warning, and
an error where warnings are errors (python -W error, pytest's filterwarnings)."""

from __future__ import annotations

import warnings

import numpy as np

from mia_defense import api


def test_float16_log_probabilities_are_read_without_a_warning() -> None:
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), bool)
    masks[:2, :10] = masks[2:, 10:] = True
    given = np.log(rng.dirichlet(np.ones(3), size=(4, 20))).astype(np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        obs = api.observations_from_arrays(given, masks, rng.integers(0, 3, 20))
    np.testing.assert_array_equal(obs.log_probs, given.astype(np.float32))
