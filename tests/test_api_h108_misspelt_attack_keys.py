"""`api.audit` and `api.observe_models` take the ``attack`` group's overrides: a misspelt key
(``attack.num_target=4``) got Hydra's "Could not override 'attack.num_target'. To append to
your config use +attack.num_target=4", whose ``+`` was then refused as an unknown key. The
`ConfigError` names the closest key, as mia-train and mia-attack do (h108)."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


@pytest.fixture(scope="module")
def observations():
    return synthetic_observations(num_models=4, num_samples=40, num_classes=3)


@pytest.mark.parametrize(
    ("arg", "node", "name", "close"),
    [("attack.num_target=4", "attack", "num_target", "num_targets"),
     ("attack.queries.num_augment=2", "attack.queries", "num_augment", "num_augmented")],
)  # fmt: skip
def test_audit_names_the_closest_attack_key(observations, arg, node, name, close):
    overrides = ["attack.bootstrap=0", arg]
    with pytest.raises(ConfigError) as info:
        api.audit(observations, overrides=overrides)
    assert str(info.value) == (
        f"attack overrides {overrides}: {arg}: Could not override '{node}.{name}' (Key "
        f"{name!r} is not in struct): {node} has no key {name!r}; did you mean {close!r}?"
    )


def test_attack_config_names_it_too():
    with pytest.raises(ConfigError, match="did you mean 'num_targets'"):
        api.attack_config(["attack.num_target=4"])


def test_right_keys_still_pass(observations):
    assert api.attack_config(["attack.num_targets=2"]).attack.num_targets == 2
