"""Mislabeled canaries take the features of rows no model trains on (Aerni et al. 2024 flip
the labels of records not otherwise in the training data): rows outside the plan's splits,
then rows that leave the test set; never a copy of a population record, whose twin under
the true label trained half of the models whatever the canary's membership (digits, 8
models of 500, 200 canaries: LiRA online's TPR at 0.1% FPR 0.32, and 0.89 with rows no
model trains on)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.audit import AuditConfig, with_audit_canaries
from mia_defense.canaries import insert_canaries
from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _rows(x: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in x.reshape(len(x), x[0].size if len(x) else 0)}


@pytest.mark.parametrize("test_size", [None, 200])  # no row outside the splits / 1497 of them
def test_mislabeled_canaries_copy_no_record_of_the_splits(digits, test_size):
    plan = make_plan(digits, num_models=4, population_size=100, test_size=test_size,
                     reference_size=50, seed=0)
    first = insert_canaries(digits, plan, num=20, kind="mislabeled", seed=0)
    out = with_audit_canaries(AuditConfig(kind="one_run", canaries=30), first.dataset,
                              first.plan, first.is_canary, kind="mislabeled", seed=0)
    data, new = out.dataset, out.plan
    canaries = data.x[new.population_idx[out.is_canary]]
    for split in (new.population_idx[~out.is_canary], new.test_idx, new.reference_idx):
        assert not _rows(canaries) & _rows(data.x[split])
    assert len(_rows(canaries)) == 50  # each its own features
    # the test set lost exactly the rows the canaries took (none where rows lay outside)
    left = np.setdiff1d(plan.test_idx, new.test_idx)
    assert set(new.test_idx) <= set(plan.test_idx)
    assert len(left) == (50 if test_size is None else 0)
    assert _rows(data.x[left]) <= _rows(canaries)
    splits = np.concatenate([new.population_idx, new.test_idx, new.reference_idx])
    assert len(np.unique(splits)) == len(splits)
    assert np.array_equal(new.reference_idx, plan.reference_idx)


def test_too_few_rows_for_mislabeled_canaries_is_refused(digits):
    # 1797 rows: population 1600, a test set of 197 that keeps 100 (and copies left out)
    plan = make_plan(digits, num_models=4, population_size=1600, test_size=None, seed=0)
    with pytest.raises(ConfigError, match=r"^attack.canaries.num=150: .* use at most \d+ "
                       r"canaries, a smaller plan.population_size, or attack.canaries.kind="
                       r"outlier"):
        insert_canaries(digits, plan, num=150, kind="mislabeled", seed=0)
    assert insert_canaries(digits, plan, num=150, kind="outlier",
                           seed=0).plan.population_size == 1750
    # The one-run audit's canaries (inclusion drawn alone: its bound stays valid, looser)
    # take population records' features for the rest: breast_cancer's audit runs as before.
    audit = insert_canaries(digits, plan, num=150, kind="mislabeled", seed=0,
                            inclusion="bernoulli")
    canaries = audit.dataset.x[audit.plan.population_idx[audit.is_canary]]
    assert len(canaries) == 150 and len(audit.plan.test_idx) == 100
    assert 0 < len(_rows(canaries) & _rows(digits.x[plan.population_idx])) < 150

