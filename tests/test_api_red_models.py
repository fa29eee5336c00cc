"""Red-team cases of `api.observe_models`: modules that are not K separate models."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError


def test_observe_models_refuses_modules_sharing_a_layer():
    # separate module objects around one layer are one model K times: IN and OUT alike,
    # no leak could be seen; only the same module object given twice was refused
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = np.arange(40) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=30)
    shared = nn.Linear(5, 3)
    models = [nn.Sequential(shared), nn.Sequential(shared)]
    with pytest.raises(ConfigError, match=r"models\[1\]\.0\.weight is models\[0\]\.0\.weight"):
        api.observe_models(models, x, y, plan)
