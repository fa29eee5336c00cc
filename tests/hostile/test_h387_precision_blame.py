"""h387: a float64 module that casts its input itself and fails on x for another cause (a
first layer of 5 inputs for x of 4 features) was told its precision was at fault: 'holds
float64 parameters and fails on 2 rows of x, which the queries give it in float32 ... (mat1
and mat2 shapes cannot be multiplied (2x4 and 5x2)); pass copy.deepcopy(model).float()'.
The precision is now named only where the module answers in its own dtype."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError


class _CastsItself(nn.Module):
    def __init__(self, inputs: int) -> None:
        super().__init__()
        self.layer = nn.Linear(inputs, 2).double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x.double()).float()


def _setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y, api.make_plan(x, y, num_models=4, population_size=80)


def test_a_float64_module_failing_on_xs_shape_is_told_of_the_shape() -> None:
    x, y, plan = _setup()
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        api.observe_models([_CastsItself(5) for _ in range(4)], x, y, plan)
    said = str(caught.value)
    assert "fails on 2 rows of x (shape [2, 4])" in said and "shapes cannot be multiplied" in said
    assert "float64" not in said and ".float()" not in said


def test_a_float64_module_given_float32_rows_is_still_told_of_its_precision() -> None:
    x, y, plan = _setup()
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=r"holds float64 parameters .* "
                       r"copy\.deepcopy\(model\)\.float\(\)"):
        api.observe_models([nn.Linear(4, 2).double() for _ in range(4)], x, y, plan)
