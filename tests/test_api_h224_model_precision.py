"""api.observe_models of modules in another precision (model.double(), .half()) failed on
the probe with torch's 'mat1 and mat2 must have the same dtype' and the advice 'it must take
x's rows', which did not name the fix: the queries give x in float32, as mia-train's do. The
message now names the parameters' dtype and model.float()."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError

K, ROWS, FEATURES, C = 4, 60, 5, 3


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_a_module_of_another_precision_is_told_to_use_float(dtype) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, C, ROWS)
    plan = api.make_plan(x, y, num_models=K)
    models = []
    for k in range(K):
        torch.manual_seed(k)
        models.append(nn.Sequential(nn.Linear(FEATURES, 8), nn.ReLU(), nn.Linear(8, C)))
    models[1].to(dtype)
    name = str(dtype).removeprefix("torch.")
    with pytest.raises(UnsupportedModelError, match=rf"observe_models: models\[1\] \(Sequential\) "
                       rf"holds {name} parameters and fails on 2 rows of x, which the queries "
                       r"give it in float32 .*; pass copy\.deepcopy\(model\)\.float\(\) "
                       r"\(model\.float\(\) converts yours in place\)"):  # fmt: skip
        api.observe_models(models, x, y, plan)
    models[1].float()
    assert api.observe_models(models, x, y, plan).log_probs.shape == (K, len(plan.masks[0]), C)
