"""`api.observe_models` on models with one logit per row (a binary classifier's single
score): refused by name, not sent to a label check whose advice left no leak to see."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError


@pytest.mark.parametrize("labels", ["binary", "zeros"])
def test_observe_models_refuses_a_single_logit(labels):
    # with y of 0/1 the error said 'give the y the models were trained on, with labels in
    # [0, 1)': y all 0, which the models' single logit then answered as no leak
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) if labels == "binary" else np.zeros(60, int)
    plan = api.make_plan(x, (x[:, 0] > 0).astype(int), num_models=2, population_size=40)
    models = []
    for k in range(2):
        torch.manual_seed(k)
        models.append(nn.Linear(5, 1))
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(Linear\) returns one logit "
                                                    r"per row \(\[2, 1\]"):
        api.observe_models(models, x, y, plan)
