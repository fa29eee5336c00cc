"""`api.observe_models` on a membership plan built by hand with lists for its fields."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.plan import MembershipPlan


def _data_and_models():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = np.arange(40) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=30)
    models = []
    for k in range(2):
        torch.manual_seed(k)
        models.append(nn.Linear(5, 3))
    return x, y, plan, models


@pytest.mark.parametrize("field", ["population_idx", "test_idx", "masks", "all"])
def test_observe_models_takes_a_plan_of_lists(field):
    # a plan built by hand with lists passed _check_plan (np.asarray of each field) and then
    # was a raw AttributeError ('list' object has no attribute 'shape' / 'max')
    x, y, plan, models = _data_and_models()
    names = ("population_idx", "test_idx", "masks") if field == "all" else (field,)
    lists = {name: getattr(plan, name).tolist() for name in names}
    given = MembershipPlan(**{**plan.__dict__, **lists})
    obs = api.observe_models(models, x, y, given)
    expected = api.observe_models(models, x, y, plan)
    np.testing.assert_array_equal(obs.masks, plan.masks)
    np.testing.assert_allclose(obs.log_probs, expected.log_probs)
    np.testing.assert_allclose(obs.test_log_probs, expected.test_log_probs)
