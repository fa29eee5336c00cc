"""The population's exact copies were found by hashing its rows three times a run: in
`make_plan` (copies share their memberships), in `prepare_data` (how many distinct records,
for the refusal of a model without members) and for observations.npz's ``copy_groups``. The
plan now carries the ``copy_leaders`` it found (canaries appended each their own); the other
two read them, and agree with it by construction."""

from __future__ import annotations

import dataclasses

import numpy as np

from mia_defense import plan as plan_module
from mia_defense.canaries import insert_canaries
from mia_defense.cli.build import build_experiment
from mia_defense.data.dataset import Dataset
from mia_defense.experiment import _copy_groups
from mia_defense.pipeline.data import prepare_data
from mia_defense.plan import copy_leaders, make_plan


def _repeated(rows: int = 120) -> Dataset:
    """``rows`` distinct records, each saved once, twice or three times, shuffled."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 4)).astype(np.float32)
    y = rng.integers(0, 2, rows)
    times = rng.integers(1, 4, rows)
    order = rng.permutation(int(times.sum()))
    return Dataset(x=np.repeat(x, times, axis=0)[order], y=np.repeat(y, times)[order],
                   num_classes=2, name="repeated")  # fmt: skip


def _hashed(data: Dataset, population_idx: np.ndarray, is_canary: np.ndarray) -> np.ndarray:
    """The groups as observations.npz held them before: the regular records hashed again,
    canaries each their own."""
    groups = np.arange(len(population_idx))
    regular = np.flatnonzero(~is_canary)
    groups[regular] = regular[copy_leaders(data.x, population_idx[regular])]
    return groups


def test_the_plan_carries_the_copies_it_found():
    data = _repeated()
    plan = make_plan(data, num_models=4, population_size=150, test_size=50, seed=0)
    np.testing.assert_array_equal(plan.copy_leaders, copy_leaders(data.x, plan.population_idx))
    assert (plan.copy_leaders != np.arange(150)).any()
    assert plan.leaders(data.x) is plan.copy_leaders  # read, not hashed again
    by_hand = dataclasses.replace(plan, copy_leaders=None)  # a plan made by hand: hashed
    np.testing.assert_array_equal(by_hand.leaders(data.x), plan.copy_leaders)

    unique = Dataset(x=np.arange(40, dtype=np.float32).reshape(20, 2), y=np.arange(20) % 2,
                     num_classes=2, name="unique")  # fmt: skip
    alone = make_plan(unique, num_models=2, population_size=10, test_size=10, seed=0)
    np.testing.assert_array_equal(alone.copy_leaders, np.arange(10))


def test_canaries_are_each_their_own_copy_leader():
    # (mislabeled canaries take rows with no copy in the data: these data have too few)
    data = _repeated()
    plan = make_plan(data, num_models=4, population_size=150, test_size=50, seed=0)
    inserted = insert_canaries(data, plan, num=12, kind="outlier", seed=0)
    leaders = inserted.plan.copy_leaders
    np.testing.assert_array_equal(leaders, np.concatenate([plan.copy_leaders, np.arange(150, 162)]))
    np.testing.assert_array_equal(
        leaders, _hashed(inserted.dataset, inserted.plan.population_idx, inserted.is_canary))
    by_hand = dataclasses.replace(inserted.plan, copy_leaders=None)
    np.testing.assert_array_equal(
        by_hand.leaders(inserted.dataset.x, is_canary=inserted.is_canary), leaders)


def test_a_run_on_repeated_rows_hashes_its_population_once(make_cfg, monkeypatch):
    experiment = build_experiment(make_cfg("plan.num_models=4", "plan.population_size=150",
                                           "plan.test_size=50", "train.batch_size=8"))
    experiment = dataclasses.replace(experiment, dataset=_repeated(), num_canaries=10,
                                     canary_kind="outlier")  # (mislabeled: too few rows)
    calls = []
    row_keys = plan_module._row_keys
    monkeypatch.setattr(plan_module, "_row_keys",
                        lambda x, idx: calls.append(len(idx)) or row_keys(x, idx))
    make_plan(experiment.dataset, num_models=4, population_size=150, test_size=50,
              seed=experiment.seed)
    planned, calls[:] = list(calls), []

    data = prepare_data(experiment)
    groups = _copy_groups(data)
    assert calls == planned  # make_plan's hashing, no more
    assert data.duplicates and groups is not None and data.is_canary.sum() == 10
    np.testing.assert_array_equal(
        groups, _hashed(data.dataset, data.plan.population_idx, data.is_canary))
