"""api.observe_models with x of another length than the data the plan was made from (h574).

The plan's rows were simply indexed: x with rows added (or taken away, the plan's rows
still in it) was observed as other records under the plan's membership without a word.
make_plan's plan records one digest per row of its data (row_digests): x of another length
is refused, naming both lengths. A plan made by hand records none and is indexed as before."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError


def _data(rows: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, 4)).astype(np.float32), np.arange(rows) % 3


def _models() -> list[nn.Module]:
    torch.manual_seed(0)
    return [nn.Linear(4, 3) for _ in range(4)]


@pytest.mark.parametrize("given", [80, 58])
def test_x_of_another_length_than_the_plans_data_is_refused_naming_both(given):
    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=20, test_size=10)
    # (58: shorter, yet holding every row the plan indexes, as seed 0's plan draws them)
    assert max(plan.population_idx.max(), plan.test_idx.max()) < 58
    other_x, other_y = _data(given)
    said = rf"observe_models: x has {given} rows, but the plan was made from x of 60 rows"
    with pytest.raises(DataError, match=said):
        api.observe_models(_models(), other_x, other_y, plan)


def test_the_plans_own_data_and_a_plan_made_by_hand_are_observed():
    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=40)
    assert api.observe_models(_models(), x, y, plan).log_probs.shape[:2] == (4, 40)
    by_hand = replace(plan, copy_leaders=None, row_digests=None)  # (records no data size)
    longer_x, longer_y = _data(80)
    assert api.observe_models(_models(), longer_x, longer_y, by_hand).log_probs.shape[:2] == (4, 40)
