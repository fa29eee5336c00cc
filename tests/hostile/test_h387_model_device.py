"""h387: a module whose tensors are not on the CPU (a GPU's, or the meta device's: built
under torch.device('meta') and never loaded) was told 'fails on 2 rows of x ...: Tensor on
device meta is not on the expected device cpu!; it must take x's rows (on the CPU)', the
cause left to torch's words; it is now named, with what to do (a GPU's: .cpu() of a copy;
the meta device's: load the weights). Only the meta device is at hand in the test suite."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError


def test_a_module_on_the_meta_device_is_told_to_load_its_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    with torch.device("meta"):
        models = [nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)) for _ in range(4)]
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(Sequential\) holds tensors "
                       r"on meta and fails on 2 rows of x, which the queries give it on the "
                       r"CPU .*load its weights first"):
        api.observe_models(models, x, y, plan)
