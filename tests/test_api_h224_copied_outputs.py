"""api.audit of observations in which two models released the very same outputs on every
record (one model's outputs given for several: np.stack([probs] * K)) reported no leak
(AUC 0.5 of outputs whose model leaked) without a word; observe_models refuses such models,
observations_from_arrays and files said nothing. audit (and run_audit, so mia-attack) now
warns COPIED OUTPUTS, naming the two models; one-hot outputs may agree by chance and are
not warned of."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api

K, N, C = 4, 100, 3
OVERRIDES = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def _arrays():
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    labels = rng.integers(0, C, N)
    logits = rng.normal(size=(K, N, C))
    logits[masks, np.broadcast_to(labels, (K, N))[masks]] += 2
    return logits, masks, labels


def _copied(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "COPIED OUTPUTS" in r.getMessage()]


def test_one_models_outputs_given_for_two_are_warned_of(caplog) -> None:
    logits, masks, labels = _arrays()
    logits[3] = logits[1]
    obs = api.observations_from_arrays(logits, masks, labels, kind="logits")
    with caplog.at_level(logging.WARNING):
        api.audit(obs, overrides=OVERRIDES)
    (said,) = _copied(caplog)
    assert said.startswith("COPIED OUTPUTS: models 1 and 3 released the very same outputs on "
                           "all 100 records")


@pytest.mark.parametrize("case", ["own outputs", "alike on the first records", "one-hot"])
def test_own_outputs_and_one_hot_ones_are_not(caplog, case) -> None:
    logits, masks, labels = _arrays()
    if case == "alike on the first records":
        logits[3, :80] = logits[1, :80]
    if case == "one-hot":
        logits = np.where(logits == logits.max(-1, keepdims=True), 1.0, 0.0)
        logits[3] = logits[1]
        obs = api.observations_from_arrays(logits, masks, labels, kind="probabilities")
    else:
        obs = api.observations_from_arrays(logits, masks, labels, kind="logits")
    with caplog.at_level(logging.WARNING):
        api.audit(obs, overrides=OVERRIDES)
    assert not _copied(caplog)
