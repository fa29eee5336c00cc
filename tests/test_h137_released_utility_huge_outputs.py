"""`api.released_utility` on released outputs of astronomic magnitude (log-probabilities
around -1e37, float32, as models whose weights blew up but stayed finite give): the losses
were float32 means, whose sum overflowed: ``train_loss`` inf (null in results.json) and
numpy's raw 'RuntimeWarning: overflow encountered in reduce'. They are float64 means now."""

from __future__ import annotations

import warnings

import numpy as np

from mia_defense.api import released_utility
from mia_defense.observations import Observations


def test_losses_of_outputs_near_float32s_limit_are_finite_and_quiet():
    rng = np.random.default_rng(0)
    k, n, m, c = 3, 400, 200, 4
    scale = np.float32(1e37)
    log_probs = (-scale * rng.uniform(1.0, 2.0, (k, n, c))).astype(np.float32)
    test = (-scale * rng.uniform(1.0, 2.0, (k, m, c))).astype(np.float32)
    labels, test_labels = rng.integers(0, c, n), rng.integers(0, c, m)
    masks = rng.random((k, n)) < 0.5
    obs = Observations(log_probs=log_probs, labels=labels, masks=masks,
                       test_log_probs=test, test_labels=test_labels)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        utility = released_utility(obs)
    member = [-log_probs[j, masks[j], labels[masks[j]]].astype(np.float64).mean()
              for j in range(k)]  # fmt: skip
    held = -np.take_along_axis(test.astype(np.float64), test_labels[None, :, None], 2).mean()
    assert np.isclose(utility["train_loss"], np.mean(member), rtol=1e-9)
    assert np.isclose(utility["test_loss"], held, rtol=1e-9)
    assert 1e37 < utility["train_loss"] < 2e37
