"""Data a user brings that breaks the run's arithmetic, refused before any training (h355)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.errors import DataError
from mia_defense.pipeline.data import prepare_data


def test_features_whose_squares_overflow_float32_are_refused(make_cfg, tmp_path) -> None:
    """Features of 4e19 used unscaled (npz, dataset.standardize=false) trained and were
    attacked, then the run ended in 'DataError: Observations.save: ... grad_norms: must be
    finite' (the white-box gradient norms overflowed float32), naming neither the data nor
    the setting; 4e18 still trains, and so does 4e30 standardised."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    path = tmp_path / "d.npz"

    def prepared(scale: float, *more: str) -> None:
        np.savez(path, x=x * np.float32(scale), y=y)
        cfg = make_cfg("dataset=npz", f"dataset.path={path}", "plan.population_size=200",
                       "plan.test_size=100", *more)
        prepare_data(build_experiment(cfg))

    with pytest.raises(DataError, match=r"d\.npz\): features reach .* beyond 1\.8e\+19, whose "
                       r"square overflows .*dataset\.standardize=true"):
        prepared(1e19)
    prepared(1e18)
    prepared(1e30, "dataset.standardize=true")
