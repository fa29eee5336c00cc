"""per_model computes a signal on a block of models at a time, with the figures of one
model at a time, bit for bit.

h442: api.audit of K=10,000 tiny models (4 records, 2 classes) spent 16-18 s of 33 s in
60,000 signal calls, one a model. A block of models is now one call (at most
signals._BLOCK_CELLS values). true_class_logit of a float32 release answers in float64 for a
model with a withheld class (-inf) and in float32 for one without, as when called alone: a
block holding both once gave the second model's -inf answer -50 where alone it is -49.98.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_softmax

from mia_defense.attacks import signals
from mia_defense.attacks.signals import SIGNALS, per_model, true_class_logit


def _one_at_a_time(signal, log_probs, labels, models):
    return np.stack([signal(log_probs[int(k)], labels) for k in models])


def test_many_tiny_models_are_one_call() -> None:
    log_probs = np.log(np.full((1000, 4, 2), 0.5, dtype=np.float32))
    calls = []

    def signal(log_p, labels):
        calls.append(log_p.shape)
        return log_p[..., 0]

    assert per_model(signal, log_probs, np.zeros(4, dtype=int)).shape == (1000, 4)
    assert calls == [(1000, 4, 2)]


@pytest.mark.parametrize("cells", [1, 7, 2**20])
@pytest.mark.parametrize("name", [*sorted(SIGNALS), "true_class_logit"])
def test_blocks_give_the_figures_of_one_model_at_a_time(monkeypatch, name, cells) -> None:
    monkeypatch.setattr(signals, "_BLOCK_CELLS", cells)
    signal = true_class_logit if name == "true_class_logit" else SIGNALS[name]
    rng = np.random.default_rng(0)
    log_probs = log_softmax(rng.normal(size=(6, 5, 3)) * 20, axis=-1).astype(np.float32)
    log_probs[0, 1] = [-np.inf, 0.0, -np.inf]  # label-only answers: a withheld class
    log_probs[2] = np.where(np.arange(3) == 1, 0.0, -np.inf)  # all rows, label 0: -inf
    log_probs[3, :, 2] = -np.inf  # a top-2 release
    labels = np.array([0, 0, 1, 2, 0])
    with np.errstate(all="ignore"):
        for models in (range(6), [5, 2, 2, 0]):
            want = _one_at_a_time(signal, log_probs, labels, models)
            got = per_model(signal, log_probs, labels, None if models == range(6) else models)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
        assert per_model(signal, log_probs, labels, []).shape == (0, 5)
