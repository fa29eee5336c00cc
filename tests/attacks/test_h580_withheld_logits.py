"""Logits with -inf for the classes a release withholds (top-k masking, a common way of
writing it) were refused as "infinite logit ...; logits are finite", with no word of what
such outputs are: log-probabilities, which take -inf for a withheld class (h580). The
refusal says so; following it gives the observations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.errors import DataError

_MASKS = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], dtype=bool)
_LABELS = np.array([0, 1, 2, 0])


def _top_one_logits() -> np.ndarray:
    """[2, 4, 3] logits with every class but the top one masked to -inf."""
    logits = np.random.default_rng(0).normal(size=(2, 4, 3))
    top = logits.argmax(axis=-1)[..., None]
    return np.where(np.arange(3) == top, logits, -np.inf)


def test_masked_logits_are_refused_with_the_kind_that_holds_them():
    with pytest.raises(DataError, match=r"infinite logit at \[0, 0, .*withheld with -inf "
                       r".*output_kind=log_probabilities \(kind='log_probabilities'"):  # fmt: skip
        api.observations_from_arrays(_top_one_logits(), _MASKS, _LABELS, kind="logits")
    log_probs = torch.log_softmax(torch.as_tensor(_top_one_logits()), -1).numpy()
    obs = api.observations_from_arrays(log_probs, _MASKS, _LABELS, kind="log_probabilities")
    assert np.array_equal(obs.log_probs, log_probs.astype(np.float32))


def test_a_logit_of_plus_inf_gets_no_such_advice():
    logits = np.zeros((2, 4, 3))
    logits[0, 0, 0] = np.inf
    with pytest.raises(DataError, match="logits are finite") as refused:
        api.observations_from_arrays(logits, _MASKS, _LABELS, kind="logits")
    assert "withheld" not in str(refused.value)
