"""The reference split took exact copies of population records: the plan kept such copies
out of the test set only, so on data whose rows repeat (digits saved with 900 of its rows
twice, plan.population_size=400, test_size=300, reference_size=600) 58 of the population's
records had a copy among the 600 reference records, which every model's defense trains on
(distillation's students, advreg's non-members, early stopping's validation): "a student
that never saw the members" saw them, and a record the attacks counted as a non-member was
trained on by its student. The reference now takes rows that copy no population record
first, as the test set does; data without copies keeps its splits.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data.dataset import Dataset
from mia_defense.pipeline.data import warn_duplicates
from mia_defense.plan import make_plan
from mia_defense.seeding import numpy_rng


def _data(rows: int, repeated: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4)).astype(np.float32)
    y = rng.integers(0, 3, rows)
    order = rng.permutation(rows + repeated)
    return Dataset(x=np.concatenate([x, x[:repeated]])[order],
                   y=np.concatenate([y, y[:repeated]])[order], num_classes=3, name="twice")


def _keys(data: Dataset, idx: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in data.x[idx]}


@pytest.mark.parametrize("test_size", [None, 60])
def test_the_reference_split_takes_no_copy_of_a_population_record(test_size, caplog):
    data = _data(300, 200)
    plan = make_plan(data, num_models=4, population_size=150, test_size=test_size,
                     reference_size=150, seed=0)
    population = _keys(data, plan.population_idx)
    assert len(_keys(data, plan.reference_idx) & population) == 0  # 33 without the fix
    assert len(_keys(data, plan.test_idx) & population) == 0
    assert len(plan.reference_idx) == 150
    used = np.concatenate([plan.population_idx, plan.test_idx, plan.reference_idx])
    assert len(np.unique(used)) == len(used)  # the splits stay disjoint
    with caplog.at_level(logging.WARNING, logger="mia_defense.pipeline.data"):
        assert warn_duplicates(data, plan) > 0
    assert "out of the test set and the reference split" in caplog.text
    assert "reference records copy" not in caplog.text


def test_data_without_copies_keeps_its_splits_and_too_few_fresh_rows_are_said(caplog):
    data = _data(300, 0)
    plan = make_plan(data, num_models=4, population_size=150, test_size=None,
                     reference_size=100, seed=3)
    order = numpy_rng(3, "split").permutation(300)  # the draw before the change
    np.testing.assert_array_equal(plan.reference_idx, np.sort(order[200:]))
    np.testing.assert_array_equal(plan.test_idx, np.sort(order[150:200]))
    # 100 rows, each twice: a population of 120 leaves too few fresh rows for the reference
    data = _data(100, 100)
    plan = make_plan(data, num_models=4, population_size=120, test_size=10,
                     reference_size=70, seed=0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.pipeline.data"):
        warn_duplicates(data, plan)
    copied = len(_keys(data, plan.reference_idx) & _keys(data, plan.population_idx))
    assert copied > 0
    assert "reference records copy a population record" in caplog.text


def test_the_reference_takes_no_fresh_row_a_given_test_size_needs():
    # population_size null, test_size 40: the test set's draw holds 40 rows, some copies;
    # the reference keeps its copies (warned) rather than leave the test set more of them
    data = _data(300, 200)
    plan = make_plan(data, num_models=4, population_size=None, test_size=40,
                     reference_size=60, seed=0)
    order = numpy_rng(0, "split").permutation(len(data))
    population = _keys(data, np.sort(order[:400]))
    draw = order[400:440]
    fresh = [n for n in draw if data.x[n].tobytes() not in population]
    copied = [n for n in draw if data.x[n].tobytes() in population]
    np.testing.assert_array_equal(plan.test_idx, np.sort(fresh + copied))  # as before
    assert len(_keys(data, plan.reference_idx) & population) > 0


def test_a_hand_made_test_set_of_copies_of_members_is_warned_of(caplog):
    # api.observe_models on a plan made by hand (no copy_leaders): test rows that copy
    # population records (features the models trained on) overstated the test accuracy
    # without a word; index overlap alone was refused. make_plan's plan says nothing more.
    import torch

    from mia_defense import api
    from mia_defense.plan import MembershipPlan

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    x[30:] = x[:10]  # rows 30..39 copy rows 0..9
    y = rng.integers(0, 3, 40)
    masks = np.zeros((2, 30), dtype=bool)
    masks[0, ::2] = masks[1, 1::2] = True
    plan = MembershipPlan(population_idx=np.arange(30), test_idx=np.arange(30, 40),
                          reference_idx=np.arange(0), masks=masks)
    torch.manual_seed(0)
    models = [torch.nn.Linear(5, 3) for _ in range(2)]
    with caplog.at_level(logging.WARNING, logger="mia_defense.api"):
        api.observe_models(models, x, y, plan)
    assert ("observe_models: 10 of the 10 test records (plan.test_idx) are exact copies"
            in caplog.text)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.api"):
        api.observe_models(models, x, y, api.make_plan(x, y, num_models=2, test_size=5))
    assert "test records (plan.test_idx) are exact copies" not in caplog.text
