"""Observations of 2 models attacked by LiRA online alone (mia-attack RUN with every other
black-box attack left out) were told 'use plan.num_models >= 4', a setting mia-attack
refuses (the observations' models are fixed). attack_settings (mia-attack, the API) now
points to training 4 or more with mia-train; mia-train keeps plan.num_models >= 4."""

from __future__ import annotations

import pytest

from mia_defense.attack_setup import attack_config, attack_settings
from mia_defense.errors import ConfigError
from tests.hostile.test_h443_lira_online_alone_before_training import _only


def test_observations_of_two_models_are_told_to_train_more_with_mia_train() -> None:
    cfg = attack_config(_only("lira_online"))
    with pytest.raises(ConfigError) as caught:
        attack_settings(cfg, num_models=2, num_classes=10, defended=False)
    said = str(caught.value)
    assert said.startswith("attack.attacks: every black-box attack (lira_online) is LiRA "
                           "online, which at the observations' 2 models")  # fmt: skip
    assert "plan.num_models >= 4" not in said and "use plan.num_models" not in said
    assert said.endswith("add an attack that reads the released outputs, e.g. loss, or attack "
                         "observations of 4 or more models (train them with mia-train "
                         "plan.num_models=4 or more, and attack its run folder)")  # fmt: skip


def test_four_models_pass() -> None:
    attack_settings(attack_config(_only("lira_online")), num_models=4, num_classes=10,
                    defended=False)  # fmt: skip
