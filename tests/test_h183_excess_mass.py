"""Outputs that sum above 1 by more than rounding explains, off any rounding grid (a
distribution scaled up 1.4 times, capped below 1), passed in silence and were read by the
attacks as distributions, where outputs as far below 1 are warned of. Now warned of too."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.api import observations_from_arrays


def _arrays(k=4, n=30, c=3):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(k, n, c))
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    masks = np.zeros((k, n), dtype=bool)
    for i in range(n):
        masks[rng.permutation(k)[: k // 2], i] = True
    return probs, masks, rng.integers(0, c, n)


def test_probabilities_scaled_up_are_warned(caplog):
    probs, masks, labels = _arrays()
    probs[1] = np.minimum(probs[1] * 1.4, 0.99)
    with caplog.at_level(logging.WARNING, logger="mia_defense.observations"):
        observations_from_arrays(probs, masks, labels, kind="probabilities")
    assert ("observations_from_arrays: outputs: 30 outputs sum above 1 (model 1, record 0: "
            in caplog.text)  # fmt: skip
    assert "on no rounding grid" in caplog.text


def test_distributions_and_rounded_ones_say_nothing(caplog):
    probs, masks, labels = _arrays()
    rounded = np.round(probs, 1)
    assert (rounded.sum(-1) > 1.001).any()  # rounding up alone: on the grid
    with caplog.at_level(logging.WARNING, logger="mia_defense.observations"):
        for passing, kind in ((probs, "probabilities"), (rounded, "probabilities"),
                              (np.log(probs), "log_probabilities")):
            observations_from_arrays(passing, masks, labels, kind=kind)
    assert "sum above 1" not in caplog.text
