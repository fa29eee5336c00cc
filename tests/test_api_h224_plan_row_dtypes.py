"""api.observe_models of a plan whose row numbers are uint64 (np.arange(n, dtype=np.uint64),
or read from a file so) was a raw IndexError: numpy concatenates uint64 and int64 rows as
floats. Timedelta rows passed as integers and were a raw TypeError deep in the queries; rows
beyond int64 would have wrapped to negative rows. Rows are taken as int64 now, timedeltas
and such rows refused, named."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError

K, ROWS, FEATURES, C = 4, 60, 5, 3


def _setting():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, C, ROWS)
    models = []
    for k in range(K):
        torch.manual_seed(k)
        models.append(nn.Sequential(nn.Linear(FEATURES, 8), nn.ReLU(), nn.Linear(8, C)))
    return models, x, y, api.make_plan(x, y, num_models=K)


def test_uint64_rows_are_the_same_rows() -> None:
    models, x, y, plan = _setting()
    unsigned = dataclasses.replace(plan, population_idx=plan.population_idx.astype(np.uint64))
    assert plan.test_idx.dtype == np.int64  # (uint64 beside int64: floats in numpy)
    got = api.observe_models(models, x, y, unsigned)
    want = api.observe_models(models, x, y, plan)
    np.testing.assert_array_equal(got.log_probs, want.log_probs)
    np.testing.assert_array_equal(got.test_log_probs, want.test_log_probs)


def test_timedelta_rows_and_rows_beyond_int64_are_refused() -> None:
    models, x, y, plan = _setting()
    timed = dataclasses.replace(plan, population_idx=plan.population_idx.astype("m8[s]"))
    with pytest.raises(ConfigError, match=r"plan\.population_idx has shape \(\d+,\) and dtype "
                       r"timedelta64\[s\]; give a 1-D array of integer row numbers"):  # fmt: skip
        api.observe_models(models, x, y, timed)
    huge = plan.test_idx.astype(np.uint64)
    huge[0] = np.uint64(2**64 - 1)
    with pytest.raises(ConfigError, match=r"plan\.test_idx holds row 18446744073709551615, "
                       r"beyond any x"):  # fmt: skip
        api.observe_models(models, x, y, dataclasses.replace(plan, test_idx=huge))
