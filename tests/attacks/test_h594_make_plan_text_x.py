"""make_plan refuses features that are no numbers (h594): number strings, bytes and dates
were parsed or cast to float32 without a word (api.make_plan), and timedelta64 features
passed the dataset's number check (plan.make_plan)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from mia_defense import api
from mia_defense.data.dataset import Dataset
from mia_defense.errors import DataError
from mia_defense.plan import make_plan

_RNG = np.random.default_rng(0)
_X = _RNG.random((40, 3))
_Y = np.arange(40) % 2


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
def test_api_make_plan_refuses_non_numeric_x(x, dtype, advice):
    with pytest.raises(DataError) as caught:
        api.make_plan(x, _Y, num_models=2, population_size=20, test_size=10)
    said = str(caught.value)
    assert said.startswith(f"make_plan: x: not numbers: dtype {dtype}"), said
    assert advice in said and advice in said, said


def test_api_make_plan_keeps_numbers_as_python_objects():
    """An object array of numbers (pandas' .values of mixed columns) still plans."""
    plan = api.make_plan(_X.astype(object), _Y, num_models=2, population_size=20, test_size=10)
    assert plan.masks.shape == (2, 20)


def test_plan_make_plan_refuses_timedelta_features():
    data = Dataset(x=np.arange(120).reshape(40, 3).astype("timedelta64[s]"), y=_Y,
                   num_classes=2, name="d")
    said = r"dataset 'd': x: not numbers: dtype timedelta64\[s\] holds durations; give numbers"
    with pytest.raises(DataError, match=said):
        make_plan(data, num_models=2, population_size=20, test_size=10, seed=0)
