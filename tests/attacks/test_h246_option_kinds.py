"""Called from Python (no config check), the attacks took options of the wrong kind: lira's
and rmia's online='no' ran the online attack (a non-empty text is true), shokri's folds=2.5
split the models into fractional folds and folds=0 into 2, and seeds of -1 or 2.5,
rmia's a='x' or num_z=2.5, shokri's max_train_samples=-1 were raw numpy errors from
inside. Refused naming the attack and the option."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import gradient_norm, label_only, lira, rmia, shokri
from mia_defense.errors import ConfigError
from tests.attacks.synthetic import full_observations

CASES = [
    (lira, {"online": "no"}, "attack lira online='no': must be True or False"),
    (lira, {"fixed_variance": "no"}, "attack lira fixed_variance='no': must be True or False"),
    (lira, {"augmented": 2}, "attack lira augmented=2: must be True or False"),
    (lira, {"seed": 2.5}, "attack lira seed=2.5: must be an integer >= 0"),
    (lira, {"seed": -1}, "attack lira seed=-1: must be an integer >= 0"),
    (rmia, {"online": "no"}, "attack rmia online='no': must be True or False"),
    (rmia, {"a": "x"}, "attack rmia a='x': must be a number in"),
    (rmia, {"num_z": 2.5}, r"attack rmia num_z=2\.5: must be an integer, or None"),
    (rmia, {"seed": -1}, "attack rmia seed=-1: must be an integer >= 0"),
    (shokri, {"folds": 2.5}, "attack shokri folds=2.5: must be an integer >= 2"),
    (shokri, {"folds": 0}, "attack shokri folds=0: must be an integer >= 2"),
    (shokri, {"max_train_samples": -1}, "attack shokri max_train_samples=-1: must be an"),
    (shokri, {"seed": 2.5}, "attack shokri seed=2.5: must be an integer >= 0"),
    (label_only, {"seed": -1}, "attack label_only seed=-1: must be an integer >= 0"),
    (gradient_norm, {"seed": "a"}, "attack gradient_norm seed='a': must be an integer >= 0"),
]


@pytest.fixture(scope="module")
def obs():
    return full_observations(signal=1.0, num_models=4, num_samples=30, num_augmented=2)


@pytest.mark.parametrize("attack, option, said", CASES)
def test_an_option_of_the_wrong_kind_is_refused(obs, attack, option, said):
    with pytest.raises(ConfigError, match=said):
        attack(obs, np.arange(2), **option)


def test_options_of_numpy_kinds_still_run(obs):
    plain = lira(obs, np.arange(2), online=False, seed=3)
    assert np.array_equal(plain, lira(obs, np.arange(2), online=np.bool_(False),
                                      seed=np.int64(3)))
    assert np.asarray(rmia(obs, np.arange(2), a=np.float64(0.5), num_z=np.int64(10))).shape == (
        2, 30)
