"""Observations attacked as given (mia-attack of a file without grad_norms or perturbed
queries, the API's audit) were told 'set attack.white_box=true (needs the models)' and
'give it attack.queries.num_augmented=8 ...', settings mia-attack refuses and the API
ignores: no setting there adds them. They are now told to attack a mia-train run made with
that setting (its run folder) or to give observations holding them; mia-train keeps its
settings' words."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks.gradient import gradient_norm
from mia_defense.observations import MissingObservationError
from tests.helpers import synthetic_observations


def test_observations_attacked_as_given_are_told_of_a_mia_train_run(caplog) -> None:
    obs = synthetic_observations(num_models=4, num_samples=200)  # (no queries, no norms)
    with caplog.at_level(logging.WARNING):
        api.audit(obs, overrides=["attack.bootstrap=0", "~attack.attacks.shokri"])
    said = caplog.text
    assert "set attack.white_box=true" not in said
    assert "give it attack.queries.num_augmented" not in said
    assert ("attack gradient_norm skipped: attack gradient_norm needs observations.grad_norms; "
            "these observations hold none and no setting here adds them: attack a mia-train "
            "run made with attack.white_box=true (its run folder)") in said  # fmt: skip
    assert ("attack lira_online_augmented skipped: attack lira (augmented=true) needs "
            "observations.augmented_logits; these observations hold none and no setting here "
            "adds them: attack a mia-train run made with attack.queries.num_augmented=8 and a "
            "noise_std above 0 (its run folder)") in said  # fmt: skip
    assert "correct label = member; these observations hold none" in said


def test_mia_train_s_own_observations_keep_the_settings_words() -> None:
    obs = synthetic_observations(num_models=4, num_samples=20)
    for _ in range(2):  # (before and after an audit: the audit's words end with it)
        with pytest.raises(MissingObservationError, match=r"set attack\.white_box=true"):
            gradient_norm(obs, np.arange(1))
        api.audit(obs, overrides=["attack.bootstrap=0", "~attack.attacks.shokri"])
