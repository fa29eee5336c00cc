"""The API's refusal of a bad value given in its overrides lacked the "attack overrides
[...]" its other refusals of them carry (d5460029, b11341e4): api.observe_models(...,
overrides=['attack.bootstrap=null']) and api.audit alike said 'attack.bootstrap=null: must
be an integer in [0, 100000] ...' alone."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError

CASES = [
    ("attack.bootstrap=null", "attack.bootstrap=null: must be an integer in [0, 100000]"),
    ("attack.fprs=[2]", "attack.fprs=[2]: must be a non-empty list of numbers in (0, 1)"),
]


@pytest.fixture(scope="module")
def setting():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=2, population_size=60)
    models = [nn.Linear(4, 2) for _ in range(2)]
    return models, x, y, plan


@pytest.mark.parametrize(("override", "said"), CASES)
def test_observe_models_names_the_overrides(setting, override, said):
    models, x, y, plan = setting
    with pytest.raises(ConfigError) as refused:
        api.observe_models(models, x, y, plan, overrides=[override])
    assert str(refused.value).startswith(f"attack overrides [{override!r}]: {said}")


@pytest.mark.parametrize(("override", "said"), CASES)
def test_audit_names_the_overrides(override, said):
    from tests.conftest import synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError) as refused:
        api.audit(obs, overrides=[override])
    assert str(refused.value).startswith(f"attack overrides [{override!r}]: {said}")


def test_the_config_check_without_overrides_says_the_line_alone():
    from mia_defense.attack_setup import attack_config, check_attack_config

    with pytest.raises(ConfigError, match=r"^attack.bootstrap=null: must be an integer"):
        check_attack_config(attack_config(["attack.bootstrap=null"]))
