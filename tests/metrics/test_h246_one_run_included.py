"""one_run_bound read ``included`` with np.asarray(dtype=bool): an inclusion of 2, -1 or 0.5
counted as included, and the audit's ε bound came from a truth nobody gave. 0/1 ints keep
working; other values are refused naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.metrics.one_run_audit import one_run_bound

SCORES = np.linspace(1.0, 0.0, 40)
INCLUDED = np.arange(40) < 20


def test_0_1_inclusions_give_the_bool_ones_bound():
    as_bool = one_run_bound(SCORES, INCLUDED, delta=1e-5, confidence=0.95)
    assert one_run_bound(SCORES, INCLUDED.astype(int), delta=1e-5, confidence=0.95) == as_bool


@pytest.mark.parametrize("bad", [2, -1, 0.5])
def test_other_inclusions_are_refused(bad):
    included = INCLUDED.astype(np.float64)
    included[-1] = bad
    with pytest.raises(DataError, match=r"one_run_bound: included holds .*give the membership"):
        one_run_bound(SCORES, included, delta=1e-5, confidence=0.95)
