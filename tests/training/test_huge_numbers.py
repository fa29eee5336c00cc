"""An integer too large for a float (10**400) given where a number is expected is refused
at the config check naming the key: torch raised OverflowError at the first step, a
traceback after the data was loaded."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.constraints import Param
from mia_defense.errors import ConfigError

HUGE = 10**400


@pytest.mark.parametrize("key", ["train.weight_decay", "train.lr"])
def test_a_float_key_refuses_an_integer_too_large_for_a_float(make_cfg, key):
    with pytest.raises(ConfigError, match=key):
        check_config(make_cfg(f"{key}={HUGE}"))


def test_an_optimizer_setting_torch_reads_only_when_stepping_is_refused(make_cfg):
    cfg = make_cfg(f"train.optimizer={{_target_: torch.optim.AdamW, eps: {HUGE}}}")
    with pytest.raises(ConfigError, match=r"train.optimizer: AdamW refused its settings"):
        check_config(cfg)


def test_integers_a_float_holds_are_still_numbers():
    assert Param("float", low=0).accepts(10**300)
    assert not Param("float", low=0).accepts(HUGE)
    assert Param("int", low=0).accepts(HUGE)  # an int key keeps its own bounds
