"""The lower-level helpers api exports for mia-attack's path (run_audit, attack_settings,
observed_settings) name an argument of the wrong type: a list as run_audit's privacy, an
int as its defense or training, num_models=-1 or "4", an int as observations, were raw
TypeError, AttributeError or numpy's 'negative dimensions are not allowed'."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError


@pytest.fixture(scope="module")
def obs():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 30), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return api.observations_from_arrays(rng.normal(size=(4, 30, 3)), masks,
                                        rng.integers(0, 3, 30), kind="logits")  # fmt: skip


@pytest.mark.parametrize(("name", "value", "said"), [
    ("privacy", [1], "a list"), ("defense", 3, "an int"), ("training", 3, "an int"),
    ("utility", "figures", "a str"),
])  # fmt: skip
def test_run_audit_names_a_figures_argument_that_is_no_mapping(obs, name, value, said) -> None:
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=f"run_audit: {name} is {said}: "
                       "give a mapping"):  # fmt: skip
        api.run_audit(obs, cfg, defended=True, **{name: value})


@pytest.mark.parametrize("value", [-1, "4", 0, True])
def test_attack_settings_names_num_models(value) -> None:
    with pytest.raises(ConfigError, match=rf"attack_settings: num_models={value!r}: must be "
                       r"an integer >= 1"):  # fmt: skip
        api.attack_settings(api.attack_config([]), num_models=value, num_classes=3,
                            defended=True)  # fmt: skip


def test_attack_settings_names_num_classes() -> None:
    with pytest.raises(ConfigError, match=r"attack_settings: num_classes=2\.0: must be"):
        api.attack_settings(api.attack_config([]), num_models=4, num_classes=2.0, defended=True)


def test_observed_settings_of_no_observations() -> None:
    with pytest.raises(ConfigError, match="observed_settings: obs is an int, not Observations"):
        api.observed_settings(3)
