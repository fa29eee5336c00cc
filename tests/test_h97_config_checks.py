"""Config checks added by helper h97: a DP target ε too large to mean anything."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("epsilon", [1000.000001, 1e4, 1e308])
def test_a_target_epsilon_past_the_ceiling_is_refused(make_cfg, epsilon: float) -> None:
    """defense.dp.target_epsilon=1e308 trained with σ = 1e-100 (no noise at all) and
    recorded a DP run whose ε 8.8e200 was 'valid'."""
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg("defense=dp", f"defense.dp.target_epsilon={epsilon!r}"))
    said = str(refused.value)
    assert said.startswith(f"defense.dp.target_epsilon={epsilon}: above 1000, where ε "
                           "guarantees nothing")  # fmt: skip
    assert "choose target_epsilon <= 1000" in said
    assert "noise_multiplier=0 and target_epsilon=null" in said


@pytest.mark.parametrize("epsilon", [0.5, 8.0, 1000.0])
def test_a_target_epsilon_up_to_the_ceiling_is_accepted(epsilon: float) -> None:
    assert DPSGD(target_epsilon=epsilon).target_epsilon == epsilon
