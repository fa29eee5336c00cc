"""Distillation temperatures the students' float32 loss cannot resolve are refused."""

from __future__ import annotations

import pytest

from mia_defense.defenses import Distillation
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("temperature", [1e8, 1e20, 1e-30])
def test_unresolvable_temperature_is_refused(temperature: float) -> None:
    # 1e8 trained students at 0.57 accuracy (0.80 at 4), 1e20 diverged with a "lower the
    # learning rate" hint, 1e-30 left them at chance: all silently or misleadingly
    with pytest.raises(ConfigError, match=r"defense\.distillation\.temperature=.*must lie in"):
        Distillation(temperature=temperature)


@pytest.mark.parametrize("temperature", [1e-4, 0.5, 4.0, 1e6])
def test_usable_temperatures_are_accepted(temperature: float) -> None:
    assert Distillation(temperature=temperature).temperature == temperature
