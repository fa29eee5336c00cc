"""api.make_plan's num_models: one rule, one set of words (h574).

-2, 4.0, '4' and 10**9 were told "must be an integer in [0, 4096]", and 0, inside that
range, was then told "must be an even number >= 2": two rules, neither naming what is
accepted (an even integer from 2 to 4096, as mia-train's plan.num_models)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError

_X, _Y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2


@pytest.mark.parametrize("num_models", [-2, 0, 1, 3, 4.0, "4", True, 4098, 10**9])
def test_each_refused_num_models_is_told_the_accepted_values(num_models):
    with pytest.raises(ConfigError) as caught:
        api.make_plan(_X, _Y, num_models=num_models)
    said = str(caught.value)
    assert said.startswith("make_plan: num_models=")
    assert "must be an even integer in [2, 4096]" in said, said


@pytest.mark.parametrize("num_models", [2, np.int64(4), 4096])
def test_the_accepted_num_models_make_a_plan(num_models):
    assert api.make_plan(_X, _Y, num_models=num_models).num_models == int(num_models)
