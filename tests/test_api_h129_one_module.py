"""`api.observe_models` given one module for ``models``: refused as one module, not
iterated into its layers as the K models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = np.arange(40) % 3
    return x, y, api.make_plan(x, y, num_models=4, population_size=30)


def test_observe_models_refuses_one_sequential_as_the_models():
    # its 4 layers were taken as the 4 models: 'models[1] (Linear) returns 16 classes,
    # models[0] 5' (the Flatten layer's 5 features read as logits)
    x, y, plan = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    with pytest.raises(ConfigError, match=r"^observe_models: models is a Sequential \(one "
                                          r"module: iterating it gives its layers\); give a "
                                          r"list of the K trained torch.nn.Module$"):
        api.observe_models(model, x, y, plan)


def test_observe_models_takes_a_module_list_of_the_models():
    x, y, plan = _data()
    models = []
    for k in range(4):
        torch.manual_seed(k)
        models.append(nn.Linear(5, 3))
    obs = api.observe_models(nn.ModuleList(models), x, y, plan)
    np.testing.assert_allclose(obs.log_probs, api.observe_models(models, x, y, plan).log_probs)
