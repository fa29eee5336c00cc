"""api.observations_from_arrays takes the outputs' kind as ``kind=``; its refusals of outputs
that are not of the stated kind named only the file's field (``say output_kind=logits``), and
a user who followed them got a TypeError. Each hint now names the keyword too."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError


def _plan_arrays(k: int = 2, n: int = 10, c: int = 3):
    masks = np.zeros((k, n), dtype=bool)
    masks[0, : n // 2] = True
    masks[1, n // 2 :] = True
    labels = np.arange(n) % c
    return masks, labels


def _refusal(outputs, masks, labels, kind) -> str:
    with pytest.raises(DataError) as caught:
        api.observations_from_arrays(outputs, masks, labels, kind=kind)
    return str(caught.value)


def test_logits_given_as_probabilities_are_told_the_api_keyword():
    rng = np.random.default_rng(0)
    masks, labels = _plan_arrays()
    logits = rng.normal(size=(2, 10, 3)) * 3
    message = _refusal(logits, masks, labels, "probabilities")
    assert "say output_kind=logits" in message
    assert "kind='logits' in api.observations_from_arrays" in message
    api.observations_from_arrays(logits, masks, labels, kind="logits")  # the hint works


def test_unnormalised_scores_given_as_probabilities_are_told_the_api_keyword():
    rng = np.random.default_rng(1)
    masks, labels = _plan_arrays()
    scores = rng.uniform(0.2, 1.0, size=(2, 10, 3))  # in [0, 1], no distribution
    message = _refusal(scores, masks, labels, "probabilities")
    assert "not a distribution" in message
    assert "kind='logits' in api.observations_from_arrays" in message


def test_probabilities_given_as_logits_are_told_the_api_keyword():
    rng = np.random.default_rng(2)
    masks, labels = _plan_arrays()
    probs = rng.dirichlet(np.ones(3), size=(2, 10))
    message = _refusal(probs, masks, labels, "logits")
    assert "say output_kind=probabilities" in message
    assert "kind='probabilities' in api.observations_from_arrays" in message
