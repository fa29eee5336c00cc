"""api.audit of many tiny models (K=10,000 models of 4 records, 320 KB of outputs) took
2.5 GB of memory in the masks' check alone (`mask_check`'s other-row comparison held
several [K, K] float64 matrices at once), growing as K squared: K=40,000 would need 40 GB.
The comparison now takes a block of models at a time; its answer is the same."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

from mia_defense.metrics import consistency
from mia_defense.metrics.consistency import mask_check
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations


def _many_tiny_models(k: int, n: int = 4) -> Observations:
    rng = np.random.default_rng(0)
    masks = rng.random((k, n)) < 0.5
    masks[0] = ~masks[1]  # (every record IN for some model and OUT for another)
    log_probs = np.full((k, n, 2), np.log(0.5), np.float32)
    log_probs[..., 0] += rng.normal(scale=0.01, size=(k, n)).astype(np.float32)
    return Observations(log_probs=log_probs, labels=np.zeros(n, np.int64), masks=masks)


def test_many_models_are_checked_without_memory_growing_as_k_squared():
    obs = _many_tiny_models(6000)  # (one [K, K] float64 matrix: 275 MiB)
    tracemalloc.start()
    try:
        check = mask_check(obs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert check is not None and check.other_row is None
    assert peak < 128 * 2**20, f"mask_check took {peak / 2**20:.0f} MiB on 96 KB of outputs"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blocks_of_models_find_the_row_the_whole_matrix_finds(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    obs = synthetic_observations(num_models=12, num_samples=300, signal=3.0, seed=seed)
    rows = rng.permutation(12)
    while (rows == np.arange(12)).all():
        rows = rng.permutation(12)
    swapped = replace(obs, masks=obs.masks[rows])
    whole = mask_check(swapped).other_row
    assert whole is not None and rows[whole[1]] == whole[0]
    for cells in (1, 5, 12 * 7):  # one model, a few, and blocks that split the models unevenly
        monkeypatch.setattr(consistency, "_ROW_CELLS", cells)
        assert mask_check(swapped).other_row == whole
        assert mask_check(obs).other_row is None
