"""h396: the one-run bound (Steinke et al. 2023) holds only for canaries each included
independently with probability 1/2. Given any other truth (masks of canaries that trained
every model, a mask read the wrong way), scores that carry no information proved an ε:
one_run_bound(random scores, 1000 canaries all included) gave ε >= 3.4 (every IN guess
right), 900 of them ε >= 1.5, a wrong "DP is broken". Such inclusions are now refused."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.metrics.one_run_audit import one_run_bound

M = 1000


@pytest.mark.parametrize("included", [M, 9 * M // 10, M // 10, 0])
def test_inclusions_no_fair_draw_gives_are_refused(included):
    truth = np.arange(M) < included
    scores = np.random.default_rng(0).random(M)  # no information at all
    with pytest.raises(DataError, match=rf"included marks {included} of the {M} canaries.*"
                       r"probability 1/2.*audit.npz's included"):  # fmt: skip
        one_run_bound(scores, truth, delta=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_fair_draws_are_audited(seed):
    rng = np.random.default_rng(seed)
    truth = rng.random(M) < 0.5
    bound = one_run_bound(truth + rng.normal(0, 0.3, M), truth, delta=1e-5)
    assert bound.epsilon > 0 and bound.canaries == M
