"""observe_models refuses features that are no numbers as make_plan does (h598): number
strings, bytes, dates and durations were cast to float32 by api_inputs._numbers without a
word, and the models were queried on what a parser or an epoch made of the columns."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError

_RNG = np.random.default_rng(0)
_X = _RNG.random((40, 3))
_Y = np.arange(40) % 2


def _models() -> list[nn.Module]:
    torch.manual_seed(0)
    return [nn.Linear(3, 2), nn.Linear(3, 2)]


@pytest.mark.parametrize(("x", "dtype", "advice"), [
    (_X.astype(str), "<U", "x.astype(np.float32)"),
    (_X.astype("S12"), "|S12", "x.astype(np.float32)"),
    (_X.astype(str).tolist(), "<U", "x.astype(np.float32)"),
    (_X.astype(str).astype(object), "object", "x.astype(np.float32)"),
    (np.arange(120).reshape(40, 3).astype("datetime64[D]"), "datetime64[D]",
     "np.timedelta64(1, 's')"),
    (np.arange(120).reshape(40, 3).astype("timedelta64[s]"), "timedelta64[s]",
     "np.timedelta64(1, 's')"),
    (np.array([[datetime.datetime(2020, 1, 1 + n % 28)] * 3 for n in range(40)], dtype=object),
     "object holds dates", "x.astype('datetime64[s]')"),
])
def test_observe_models_refuses_non_numeric_x(x, dtype, advice):
    plan = api.make_plan(_X, _Y, num_models=2, population_size=20, test_size=10)
    with pytest.raises(DataError) as caught:
        api.observe_models(_models(), x, _Y, plan)
    said = str(caught.value)
    assert said.startswith(f"observe_models: x: not numbers: dtype {dtype}"), said
    assert advice in said, said


def test_observe_models_keeps_numbers_as_python_objects():
    """An object array of numbers (pandas' .values of mixed columns) is still observed."""
    plan = api.make_plan(_X, _Y, num_models=2, population_size=20, test_size=10)
    obs = api.observe_models(_models(), _X.astype(object), _Y, plan)
    assert obs.log_probs.shape == (2, 20, 2)
