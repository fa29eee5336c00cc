"""Review: the distillation temperature's range check names an integer beyond a float."""

from __future__ import annotations

import pytest

from mia_defense.defenses import Distillation
from mia_defense.errors import ConfigError


def test_a_temperature_beyond_a_float_is_named_not_an_overflow():
    # defense.distillation.temperature=10**400: the range message formatted it with :g,
    # an OverflowError traceback from mia-train instead of the one-line ConfigError
    with pytest.raises(ConfigError, match=r"defense.distillation.temperature=1000+: must lie in"):
        Distillation(temperature=10**400)
    with pytest.raises(ConfigError, match=r"defense.distillation.temperature=1e\+08: must lie"):
        Distillation(temperature=1e8)
