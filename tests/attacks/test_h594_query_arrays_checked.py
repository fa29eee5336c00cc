"""The perturbed queries of Observations built directly were never checked (h594): one NaN
or infinite augmented logit made 701 of 800 scores of LiRA (augmented=true) NaN through
the pooled variance, and run_attacks reported AUC 0.51; an augmented prediction outside
the C classes matched no label, a record's query counted as misclassified, silently. Each
attack names the array, the first bad entry and what to give."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from mia_defense.attacks import label_only, lira, run_attacks
from mia_defense.errors import DataError
from mia_defense.observations import Observations
from tests.attacks.synthetic import full_observations


def _with(**changed) -> Observations:
    obs = full_observations(num_models=4, num_samples=40, num_classes=3)
    fields = {"augmented_logits": obs.augmented_logits,
              "augmented_predictions": obs.augmented_predictions, **changed}
    return Observations(obs.log_probs, obs.labels, obs.masks, **fields)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("online", [True, False])
def test_a_non_finite_augmented_logit_is_refused_by_name(bad, online):
    logits = full_observations(num_models=4, num_samples=40, num_classes=3).augmented_logits
    logits = logits.copy()
    logits[2, 1, 7] = bad
    with pytest.raises(DataError, match=(rf"lira: observations\.augmented_logits holds "
                                         rf"{bad:g} at \[2, 1, 7\]; .*finite")):
        run_attacks(_with(augmented_logits=logits),
                    {"lira": functools.partial(lira, online=online, augmented=True)},
                    targets=np.arange(4))


def test_an_augmented_prediction_beyond_the_classes_is_refused_by_name():
    predictions = full_observations(num_models=4, num_samples=40,
                                    num_classes=3).augmented_predictions.copy()
    predictions[1, 0, 5] = 7
    with pytest.raises(DataError, match=(r"label_robustness: observations\."
                                         r"augmented_predictions holds 7 at \[1, 0, 5\]; "
                                         r".*\[0, 3\)")):
        label_only(_with(augmented_predictions=predictions), np.arange(4))


@pytest.mark.parametrize("large", [1e6, -51.0])
def test_an_augmented_logit_beyond_the_clip_is_refused_by_name(large):
    # (two of 1e6 among 1,600 widened their query's pooled variance: AUC 0.816 -> 0.701)
    logits = full_observations(num_models=4, num_samples=40, num_classes=3).augmented_logits
    logits = logits.copy()
    logits[1, 0, 3] = large
    with pytest.raises(DataError, match=(r"lira: observations\.augmented_logits holds "
                                         + re.escape(f"{large:g}")
                                         + r" at \[1, 0, 3\]; .*within \+-50")):
        run_attacks(_with(augmented_logits=logits),
                    {"lira": functools.partial(lira, augmented=True)}, targets=np.arange(4))


def test_augmented_logits_at_the_clip_are_attacked():
    logits = full_observations(num_models=4, num_samples=40, num_classes=3).augmented_logits
    logits = np.clip(logits * 1e3, -50.0, 50.0)
    results = run_attacks(_with(augmented_logits=logits),
                          {"lira": functools.partial(lira, augmented=True)},
                          targets=np.arange(4))
    assert "lira" in results
