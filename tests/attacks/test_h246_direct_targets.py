"""Called from Python, the attacks took any ``targets``: the loss attack scored target -1 as
the last model (numpy's index), 0.5 as model 0 (int() of it) and [True, False] as models 1
and 0; shokri took -1 too; a repeated target was scored twice; other kinds were raw numpy
errors from deep inside (IndexError, 'truth value of an array is ambiguous'). Each attack
checks them as run_attacks does, naming itself."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import (
    gradient_norm,
    label_only,
    lira,
    loss_attack,
    rmia,
    shokri,
    threshold_attack,
)
from mia_defense.errors import ConfigError
from tests.attacks.synthetic import full_observations

ATTACKS = {"loss_attack": loss_attack, "threshold_attack": threshold_attack, "lira": lira,
           "rmia": rmia, "shokri": shokri, "label_only": label_only,
           "gradient_norm": gradient_norm}


@pytest.fixture(scope="module")
def obs():
    return full_observations(signal=1.0, num_models=4, num_samples=30, num_augmented=2)


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("targets", [np.array([0.5]), np.array([True, False]), np.int64(1),
                                     np.array([[0, 1]]), np.array(["a"]), np.array([], int)])
def test_targets_that_are_no_list_of_model_indices_are_refused(obs, name, targets):
    with pytest.raises(ConfigError, match=rf"{name}: targets=.*: give the attacked models as "
                                          r"a non-empty list of model indices in \[0, 4\)"):
        ATTACKS[name](obs, targets)


@pytest.mark.parametrize("name", ATTACKS)
def test_a_target_outside_the_models_or_repeated_is_refused(obs, name):
    with pytest.raises(ConfigError, match=rf"{name}: target model -1 is not one of the 4 models"):
        ATTACKS[name](obs, np.array([-1]))
    with pytest.raises(ConfigError, match=rf"{name}: targets=\[1, 1\]: each target must be a "
                                          "distinct model index"):
        ATTACKS[name](obs, np.array([1, 1]))


def test_a_list_of_targets_scores_as_the_array(obs):
    assert np.array_equal(loss_attack(obs, [2, 0]), loss_attack(obs, np.array([2, 0])))
    assert np.array_equal(loss_attack(obs, [2, 0])[0], loss_attack(obs, np.array([2]))[0])
