"""Hostile inputs to mia-attack, sixth round: a finished run folder whose observations.npz
was edited in place (masks or labels), whose results.json states facts of the wrong type,
and a run of the one-run audit, whose canaries may be members of every model or of none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.cli.attack import read_source
from mia_defense.errors import DataError
from mia_defense.files import load_npz
from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


@pytest.fixture
def attacked_run(tmp_path: Path) -> Path:
    """A finished run folder (mia-attack's, on a tiny file): results.json beside the
    observations it measured."""
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp_path / "run"


def _edit_observations(run: Path, **changes: np.ndarray) -> None:
    arrays = load_npz(run / "observations.npz")
    np.savez(run / "observations.npz", **{**arrays, **changes})


# -- 1. observations.npz edited in place: same shapes, other masks or labels ------------------


@pytest.mark.parametrize("edit", ["masks", "labels"])
def test_observations_edited_in_place_are_not_the_runs(attacked_run, tmp_path, edit):
    # masks shuffled across records (or labels shifted by one class) kept K, N and C: the
    # run was attacked again, its utility and facts recorded beside figures of other data
    arrays = load_npz(attacked_run / "observations.npz")
    rng = np.random.default_rng(0)
    changed = {"masks": arrays["masks"][:, rng.permutation(arrays["masks"].shape[1])],
               "labels": (arrays["labels"] + 1) % 3}[edit]  # fmt: skip
    _edit_observations(attacked_run, **{edit: changed})
    with pytest.raises(DataError, match=r"run/observations.npz: the members' accuracy on them "
                       r"is .*, .* in results.json \(utility.train_accuracy\).*they are not this "
                       r"run's"):  # fmt: skip
        read_source(attacked_run)
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2 and "utility.train_accuracy" in done.stderr
    assert not (tmp_path / "again" / "results.json").exists()


def test_the_runs_own_observations_still_read_back(attacked_run):
    assert read_source(attacked_run).results["status"] == "complete"
