"""h387: api.observe_models given x of one axis (x[:, 0], the plan made from x [rows, 5])
blamed the model: 'models[0] (Sequential) fails on 2 rows of x (shape [2]): RuntimeError:
mat1 and mat2 shapes cannot be multiplied ...'; make_plan refused such an x, naming it.
Both now refuse it in the same words (api_inputs._numbers)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError


def test_x_of_one_axis_is_named_not_the_model() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)) for _ in range(4)]
    with pytest.raises(DataError, match=r"^observe_models: x has shape \(120,\); give the "
                       r"features as \[rows, \.\.\.\]"):
        api.observe_models(models, x[:, 0], y, plan)
    with pytest.raises(DataError, match=r"^make_plan: x has shape \(120,\); give the "
                       r"features as \[rows, \.\.\.\] \(x\.reshape\(-1, 1\)"):
        api.make_plan(x[:, 0], y, num_models=4)
