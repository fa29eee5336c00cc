"""Masks whose rows are other models' (models in another order than the masks' rows), in a
file without test outputs: mia-attack judged every attack against the wrong truth and
reported the leaky models near chance without a word (MASKS SUSPECT needed a test set).
A model's outputs fitting another row's IN records far better than its own row's now flag
them, with or without a test set; the right masks are never flagged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mia_defense.metrics.consistency import mask_check
from mia_defense.observations import Observations
from mia_defense.tracking import read_json
from tests.helpers import mia_attack, synthetic_observations


@pytest.mark.parametrize("order", ["rolled", "one pair swapped"])
def test_rows_of_other_models_are_suspect_without_a_test_set(order):
    obs = synthetic_observations(num_models=8, num_samples=400, signal=2.0, seed=3)
    rows = np.roll(np.arange(8), 1) if order == "rolled" else [1, 0, 2, 3, 4, 5, 6, 7]
    check = mask_check(replace(obs, masks=obs.masks[rows]))
    assert check is not None and check.suspect
    assert "masks' rows do not look like the models' training sets" in check.reason()
    assert check.other_row is not None
    k, j, _, _ = check.other_row
    assert rows[j] == k  # the row named is model k's own training set


@pytest.mark.parametrize("shape", [(2, 400, 3.0), (4, 300, 1.0), (16, 600, 3.0),
                                   (8, 1000, 0.3), (32, 300, 6.0), (8, 300, 0.0)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_models_own_rows_are_never_suspect(shape, seed):
    k, n, signal = shape
    obs = synthetic_observations(num_models=k, num_samples=n, signal=signal, seed=seed)
    check = mask_check(obs)
    assert check is not None and check.other_row is None and not check.suspect


def test_mia_attack_flags_a_file_whose_mask_rows_are_swapped(tmp_path):
    obs = synthetic_observations(num_models=4, num_samples=300, signal=2.0, seed=1)
    replace(obs, masks=obs.masks[[1, 0, 2, 3]]).save(tmp_path / "swapped.npz")
    done = mia_attack(str(tmp_path / "swapped.npz"), "progress=false", "figures=false",
                      "attack.bootstrap=0", "~attack.attacks.shokri",
                      "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "MASKS SUSPECT" in done.stderr
    privacy = read_json(tmp_path / "out" / "results.json")["privacy"]
    assert "masks[0]" in privacy["masks_suspect"] or "masks[1]" in privacy["masks_suspect"]
    assert isinstance(Observations.load(tmp_path / "out" / "observations.npz"), Observations)
