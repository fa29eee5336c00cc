"""``mia-train seed=1e30`` was told 'write seed=1000000000000000019884624838656' (the float
hint), an integer the next check refuses as 'at most 4294967295' (MAX_SEED, scikit-learn's
random_state range); ``attack.attacks.shokri.seed=1e30`` alike. The hint suggests no seed
above MAX_SEED; a whole float within it is still told the integer to write."""

from __future__ import annotations

import pytest
from omegaconf import open_dict

from mia_defense.attacks.shokri import MAX_SEED
from mia_defense.config import check_config
from mia_defense.errors import ConfigError


def _refusal(check, cfg) -> str:
    with pytest.raises(ConfigError) as caught:
        check(cfg)
    return str(caught.value)


@pytest.mark.parametrize("key", ["seed", "attack.attacks.shokri.seed"])
@pytest.mark.parametrize("value", [1e30, float(MAX_SEED + 1)])
def test_the_float_hint_suggests_no_seed_above_max_seed(key, value, make_cfg):
    text = _refusal(check_config, make_cfg(f"{key}={value!r}"))
    assert "Hydra read it as the float" in text
    assert f"write {key}=" not in text
    check_config(make_cfg(f"{key}={MAX_SEED}"))  # (the largest seed passes)


@pytest.mark.parametrize("key", ["seed", "attack.attacks.shokri.seed"])
def test_a_whole_float_seed_within_the_range_is_told_the_integer(key, make_cfg):
    text = _refusal(check_config, make_cfg(f"{key}={float(MAX_SEED)!r}"))
    assert text.endswith(f"write {key}={MAX_SEED}")
    check_config(make_cfg(f"{key}={MAX_SEED}"))  # (what it suggests passes)


def test_mia_attacks_seed_hint_keeps_to_the_range():
    from mia_defense.attack_setup import attack_config, check_attack_config

    for value, told in ((1e30, False), (float(MAX_SEED), True)):
        cfg = attack_config()
        with open_dict(cfg):
            cfg.seed = value
        text = _refusal(check_attack_config, cfg)
        assert "Hydra read it as the float" in text
        assert (f"write seed={MAX_SEED}" in text) is told
        assert ("write seed=" in text) is told
