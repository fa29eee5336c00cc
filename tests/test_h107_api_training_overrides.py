"""`api.audit` (and `api.observe_models`) take the ``attack`` group's overrides. One of
mia-train's training settings (``release=topk``, ``train.lr=0.1``) got Hydra's own message,
"No match in the defaults list. To append to your default list use +release=topk" or "Could
not override 'train.lr'. To append to your config use +train.lr=0.1", whose ``+`` was then
refused as an unknown top-level key. It is refused naming what to do instead, as mia-attack
refuses it (h107)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


@pytest.fixture(scope="module")
def observations():
    return synthetic_observations(num_models=4, num_samples=40, num_classes=3)


@pytest.mark.parametrize("override", ["release=topk", "train.lr=0.1", "+train.lr=0.1",
                                      "plan.num_models=4", "defense=dp", "model.hidden=[8]",
                                      "dataset=breast_cancer"])  # fmt: skip
def test_a_training_setting_is_refused_naming_mia_train(observations, override):
    group = override.lstrip("+").split(".")[0].split("=")[0]
    with pytest.raises(ConfigError) as info:
        api.audit(observations, overrides=[override, "attack.bootstrap=0"])
    message = str(info.value)
    assert message.startswith(f"overrides: {override!r}: the attacks read what the models "
                              f"released; {group} is fixed when they are trained and queried")
    # shell-quoted where a shell would read it otherwise (078ce12: [8] is a pattern in zsh)
    assert f"mia-train {shlex.quote(override.lstrip('+'))}" in message
    assert "To append" not in message


def test_attack_settings_still_pass(observations):
    audit = api.audit(observations, overrides=["attack.bootstrap=0", "~attack.attacks.shokri"])
    assert "shokri" not in audit.result.attacks


@pytest.mark.parametrize("override", ["~defense=[dp]", "~release"])
def test_a_training_group_deleted_is_told_to_train_without_it(observations, override):
    # '~defense=[dp]' was told to train 'with it (mia-train 'defense=[dp]')': the opposite
    with pytest.raises(ConfigError, match="train and query them without it") as info:
        api.audit(observations, overrides=[override, "attack.bootstrap=0"])
    assert "mia-train 'defense=[dp]'" not in str(info.value)
