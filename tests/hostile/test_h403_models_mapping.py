"""h403: api.observe_models given its models as a mapping ({0: model, ...}, a notebook's
dict by name, an nn.ModuleDict) iterated its keys as the models: 'models[0] is a int, not a
torch.nn.Module; give the K trained modules', and an nn.ModuleDict was said to give its
layers. Both are now named as mappings, with what to pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("mapping", [dict, lambda named: nn.ModuleDict(named)])
def test_a_mapping_of_the_models_is_told_to_give_its_values(mapping) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = np.arange(40) % 3
    plan = api.make_plan(x, y, num_models=4, population_size=30)
    torch.manual_seed(0)
    models = mapping({f"seed{k}": nn.Linear(5, 3) for k in range(4)})
    kind = type(models).__name__
    with pytest.raises(ConfigError, match=rf"^observe_models: models is a {kind} \(iterating "
                       r"it gives its keys\); give list\(models.values\(\)\), in the order of "
                       r"plan.masks' rows"):
        api.observe_models(models, x, y, plan)
