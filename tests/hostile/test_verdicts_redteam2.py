"""Red-team cases, second round: inputs that used to end in a wrong verdict (a leaky model
reported as giving no verdict, or outputs misread as log-probabilities)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError

LEAN = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def _balanced_masks(num_models: int, records: int, rng: np.random.Generator) -> np.ndarray:
    masks = np.zeros((num_models, records), bool)
    for n in range(records):
        masks[rng.permutation(num_models)[: num_models // 2], n] = True
    return masks


def _chance_level(*, memorised: bool, num_models: int = 8, records: int = 400, seed: int = 0):
    """Models at chance on held-out data (random labels: nothing to generalise); with
    ``memorised`` each model predicts its own members' labels confidently, the worst leak
    there is, else every output is noise."""
    rng = np.random.default_rng(seed)
    classes = 4
    labels = rng.integers(0, classes, records)
    masks = _balanced_masks(num_models, records, rng)
    logits = rng.normal(size=(num_models, records, classes))
    if memorised:
        k, n = np.nonzero(masks)
        logits[k, n, labels[n]] += 6.0
    test_labels = rng.integers(0, classes, 200)
    test_logits = rng.normal(size=(num_models, 200, classes))
    return api.observations_from_arrays(
        logits, masks, labels, kind="logits", test_outputs=test_logits, test_labels=test_labels
    )


def test_a_model_at_chance_that_memorised_its_members_is_reported_leaky(caplog):
    """Random labels: test accuracy at chance, every member predicted right. The run gave
    'no privacy verdict' (utility below chance), so the worst leak of all read as a
    non-result; the attacks' lower bound on ε is valid whatever the utility."""
    obs = _chance_level(memorised=True)
    with caplog.at_level(logging.WARNING):
        result = api.audit(obs, overrides=LEAN).result
    assert result.utility_below_chance
    assert result.privacy["leak_without_utility"] is True
    assert "membership leaks" in result.privacy["leak_without_utility_reason"]
    assert "MEMBERSHIP LEAK" in caplog.text


def test_a_model_at_chance_without_signal_still_gets_no_verdict():
    result = api.audit(_chance_level(memorised=False), overrides=LEAN).result
    assert result.utility_below_chance
    assert "leak_without_utility" not in result.privacy


def _logits(seed: int = 0, *, records: int = 200, classes: int = 10):
    rng = np.random.default_rng(seed)
    masks = _balanced_masks(4, records, rng)
    return rng.normal(size=(4, records, classes)) * 2, masks, rng.integers(0, classes, records)


def test_logits_minus_their_max_are_not_log_probabilities():
    """Logits shifted so that the top one is 0 are <= 0 like log-probabilities but do not
    normalise: the loss of a confident answer reads as 0 and the loss attacks are biased."""
    logits, masks, labels = _logits()
    shifted = logits - logits.max(axis=-1, keepdims=True)
    with pytest.raises(DataError, match=r"outputs: .*sum to .*output_kind=logits"):
        api.observations_from_arrays(shifted, masks, labels, kind="log_probabilities")
    probs = np.exp(shifted)  # the same as probabilities: the top one 1, the others > 0
    with pytest.raises(DataError, match=r"outputs: .*sum to .*output_kind=logits"):
        api.observations_from_arrays(probs, masks, labels, kind="probabilities")


def test_probabilities_summing_far_above_one_are_refused():
    """Per-class sigmoids (each in [0, 1], summing to about C/2): no rounding of a
    distribution sums above 2."""
    logits, masks, labels = _logits(1)
    sigmoids = 1 / (1 + np.exp(-logits))
    with pytest.raises(DataError, match=r"outputs: .*sum to"):
        api.observations_from_arrays(sigmoids, masks, labels, kind="probabilities")


@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_released_log_probabilities_stay_accepted(decimals):
    """Normalised log-probabilities, rounded probabilities (which may sum a little above 1)
    and top-k releases (which sum below 1) are all valid."""
    logits, masks, labels = _logits(2, classes=30)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    rounded = np.round(probs, decimals)
    top = rounded.argmax(-1)
    empty = rounded.sum(-1) == 0
    rounded[empty, top[empty]] = 10.0**-decimals
    api.observations_from_arrays(rounded, masks, labels, kind="probabilities")
    with np.errstate(divide="ignore"):
        api.observations_from_arrays(np.log(probs), masks, labels, kind="log_probabilities")
        top1 = np.where(probs == probs.max(-1, keepdims=True), np.log(probs), -np.inf)
    api.observations_from_arrays(top1, masks, labels, kind="log_probabilities")
