"""Observations of one model leave a target no reference model (h594): RMIA stopped
run_attacks with numpy's raw 'zero-size array to reduction operation maximum', and Shokri
said its shadow models '[]' trained on every record. Both now say what they lack, and
run_attacks skips them with that line while the other attacks score."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import loss_attack, rmia, run_attacks, shokri
from mia_defense.observations import MissingObservationError
from tests.helpers import synthetic_observations


def _one_model():
    return synthetic_observations(num_models=2, num_samples=40, num_classes=3).take([0])


@pytest.mark.parametrize(("attack", "name"), [(rmia, "rmia"), (shokri, "shokri")])
def test_an_attack_of_references_names_what_one_model_lacks(attack, name):
    with pytest.raises(MissingObservationError, match=(
            rf"attack {name} needs the outputs of models besides the target .*these "
            rf"observations hold 1 model; give observations of K >= 2 models.*"
            rf"'~attack\.attacks\.{name}'")):
        attack(_one_model(), np.array([0]))


def test_run_attacks_skips_them_and_scores_the_others(caplog):
    with caplog.at_level(logging.WARNING):
        results = run_attacks(_one_model(), {"loss": loss_attack, "rmia": rmia,
                                             "shokri": shokri}, targets=np.array([0]))
    assert list(results) == ["loss"]
    assert "attack rmia skipped: attack rmia needs the outputs of models" in caplog.text
    assert "attack shokri skipped: attack shokri needs the outputs of models" in caplog.text
