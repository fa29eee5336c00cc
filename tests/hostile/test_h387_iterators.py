"""h387: a generator (or map, iter) given for one of the Python API's arrays was read by
numpy as one object and refused as what it is not: api.observe_models(..., y=(v for v in
y)) said 'y has shape (), expected [120]', make_plan's 'y has dtype object',
observations_from_arrays' labels 'inconsistent shapes: ... labels ()'. Each names the
iterator now (api_inputs._values, where every array argument is read)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)) for _ in range(4)]
    return x, y, plan, models, api.observe_models(models, x, y, plan)


def _gen(values):
    return (v for v in values)


@pytest.mark.parametrize(
    ("where", "call"),
    [
        ("make_plan: y", lambda x, y, plan, models, obs: api.make_plan(x, _gen(y))),
        ("make_plan: x", lambda x, y, plan, models, obs: api.make_plan(_gen(x), y)),
        ("observe_models: y",
         lambda x, y, plan, models, obs: api.observe_models(models, x, _gen(y), plan)),
        ("observations_from_arrays: labels",
         lambda x, y, plan, models, obs: api.observations_from_arrays(
             obs.log_probs, plan.masks, map(int, obs.labels))),
        ("observations_from_arrays: outputs",
         lambda x, y, plan, models, obs: api.observations_from_arrays(
             iter(obs.log_probs), plan.masks, obs.labels)),
        ("audit: is_canary",
         lambda x, y, plan, models, obs: api.audit(obs, is_canary=_gen(np.zeros(80, bool)))),
    ],
)
def test_an_iterator_given_for_an_array_is_named(setup, where: str, call) -> None:
    with pytest.raises(DataError, match=rf"^{where}: an iterator \(\w+\), which numpy reads "
                       r"as one object"):
        call(*setup)


def test_lists_and_arrays_are_read_as_before(setup) -> None:
    _, _, plan, _, obs = setup
    again = api.observations_from_arrays(list(obs.log_probs), plan.masks.tolist(),
                                         obs.labels.tolist())  # fmt: skip
    np.testing.assert_array_equal(again.log_probs, obs.log_probs)
