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
    # log_softmax of blown-up logits: 0 at the top class, about -1e37 at the others
    # (all classes at -1e37 is no distribution, which released_utility refuses since cfc7753)
    log_probs = _top_class_at_zero(-scale * rng.uniform(1.0, 2.0, (k, n, c)), rng)
    test = _top_class_at_zero(-scale * rng.uniform(1.0, 2.0, (k, m, c)), rng)
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
    assert 1e36 < utility["train_loss"] < 2e37


def _top_class_at_zero(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    top = rng.integers(0, values.shape[-1], values.shape[:-1])
    np.put_along_axis(values, top[..., None], 0.0, axis=-1)
    return values.astype(np.float32)


def test_utility_needs_no_attackable_masks():
    """released_utility of outputs whose masks an attack could not use (one model, records
    IN every model or none: utility is defined) is measured, not refused (cfc7753 ran
    audit's membership checks on it)."""
    rng = np.random.default_rng(1)
    k, n, c = 1, 50, 3
    log_probs = np.log(rng.dirichlet(np.ones(c), (k, n))).astype(np.float32)
    labels = log_probs[0].argmax(-1)
    masks = np.zeros((k, n), bool)
    masks[0, :30] = True
    utility = released_utility(Observations(log_probs=log_probs, labels=labels, masks=masks))
    assert utility["train_accuracy"] == 1.0
