"""mia_defense.canaries.insert_canaries called from Python (mia-train's config schema checks
its own values): ``is_canary`` of 0/1 integers was read as indices (~0 is -1), so every
canary copied the population's last record, silently; a float or text ``num`` ended in
numpy's TypeError, and flags marking every record in numpy's 'a cannot be empty'."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.canaries import insert_canaries
from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    data = Dataset(x=rng.standard_normal((200, 5)).astype(np.float32),
                   y=rng.integers(0, 3, 200), num_classes=3, name="t")
    return data, make_plan(data, num_models=4, population_size=100, test_size=50, seed=0)


def test_integer_flags_are_refused_not_read_as_indices(setup):
    data, plan = setup
    with pytest.raises(ValueError, match=r"is_canary: must be \[N\] bool over the plan's 100 "
                                         r"population records, got shape \(100,\) and dtype int"):
        insert_canaries(data, plan, num=5, seed=0, is_canary=np.zeros(100, dtype=int))
    with pytest.raises(ValueError, match=r"got shape \(3,\) and dtype bool"):
        insert_canaries(data, plan, num=5, seed=0, is_canary=np.zeros(3, dtype=bool))
    # bool flags of no canary: accepted (mislabeled canaries take rows outside the splits)
    done = insert_canaries(data, plan, num=20, seed=0, is_canary=np.zeros(100, dtype=bool))
    copied = done.dataset.x[-20:]
    sources = {int(np.flatnonzero((data.x == row).all(axis=1))[0]) for row in copied}
    splits = np.r_[plan.population_idx, plan.test_idx]
    assert len(sources) == 20 and not sources & set(splits.tolist())


@pytest.mark.parametrize("num", [2.0, "3", True, None])
def test_a_count_that_is_no_integer_is_refused(setup, num):
    data, plan = setup
    with pytest.raises(ConfigError, match=r"attack.canaries.num=.*: must be an integer >= 0"):
        insert_canaries(data, plan, num=num, seed=0)


def test_flags_marking_every_record_are_refused(setup):
    data, plan = setup
    with pytest.raises(ValueError, match=r"attack.audit_canaries=5: every population record is "
                                         r"a canary \(is_canary\), so no regular record is left"):
        insert_canaries(data, plan, num=5, seed=0, inclusion="bernoulli",
                        is_canary=np.ones(100, dtype=bool))
