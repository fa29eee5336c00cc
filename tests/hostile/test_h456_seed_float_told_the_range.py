"""h456: ``mia-train seed=1e30`` (h449: no 'write seed=...' above MAX_SEED) was told how
Hydra read it but not the seeds it may be: it now says the range, 0 to MAX_SEED, as does
mia-attack's seed; a whole float seed within the range is still told the integer."""

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


@pytest.mark.parametrize("value", [1e30, float(MAX_SEED + 1), -1.0])
def test_a_seed_out_of_range_is_told_the_range(make_cfg, value):
    text = _refusal(check_config, make_cfg(f"seed={value!r}"))
    assert "write seed=" not in text
    assert f"seed takes an integer from 0 to {MAX_SEED}" in text


def test_a_seed_in_range_is_still_told_the_integer(make_cfg):
    text = _refusal(check_config, make_cfg("seed=7.0"))
    assert text.endswith(": write seed=7")


def test_mia_attacks_seed_is_told_the_range():
    from mia_defense.attack_setup import attack_config, check_attack_config

    cfg = attack_config()
    with open_dict(cfg):
        cfg.seed = 1e30
    text = _refusal(check_attack_config, cfg)
    assert "write seed=" not in text
    assert f"seed takes an integer from 0 to {MAX_SEED}" in text
