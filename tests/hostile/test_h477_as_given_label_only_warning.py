"""label_only's warning on observations without perturbed queries opened, for observations
attacked as given (mia-attack of a file, the API's audit), 'no perturbed queries
(attack.queries.num_augmented=0, or observations without them)', naming a setting nobody
gave (mia-attack refuses it; h470's 74938fc6 fixed only its advice). It now opens with what
the observations lack; mia-train's wording is unchanged."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.attacks.label_only import label_robustness
from mia_defense.observations import attacked_as_given
from tests.helpers import synthetic_observations

MIA_TRAIN_S = "label_only: no perturbed queries (attack.queries.num_augmented=0, or observations"


def test_observations_attacked_as_given_are_told_what_they_lack(caplog) -> None:
    obs = synthetic_observations(num_models=2, num_samples=20)  # (no perturbed queries)
    with caplog.at_level(logging.WARNING), attacked_as_given():
        robust = label_robustness(obs)
    assert robust.shape == (2, 20) and np.isfinite(robust).all()
    said = caplog.text
    assert "attack.queries.num_augmented=0" not in said
    assert ("label_only: no perturbed queries in these observations: falling back on the gap "
            "attack, correct label = member; these observations hold none and no setting here "
            "adds them: attack a mia-train run made with") in said  # fmt: skip


def test_mia_train_s_observations_keep_the_setting_s_words(caplog) -> None:
    obs = synthetic_observations(num_models=2, num_samples=20)
    with caplog.at_level(logging.WARNING):
        label_robustness(obs)
    assert MIA_TRAIN_S in caplog.text
    assert "in these observations" not in caplog.text
