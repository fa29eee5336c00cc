"""An .npz given to dataset=purchase100 or texas100 holding two of the names their loader
looks for (h388): 'features' and 'x', or 'labels' and 'targets', with different arrays in
them. The loader took the first name of its list without a word, so the run could train
on other features or labels than the ones meant; the same arrays under two names still
load."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _arrays(width: int, seed: int):
    rng = np.random.default_rng(seed)
    return (rng.random((300, width)) < 0.1).astype(np.uint8), rng.integers(0, 100, 300)


@pytest.mark.parametrize(("load", "width"), [(load_purchase100, 600), (load_texas100, 120)])
def test_two_different_candidates_are_refused_naming_both(tmp_path, load, width):
    x, y = _arrays(width, 0)
    other_x, other_y = _arrays(width, 1)
    path = tmp_path / "features.npz"
    np.savez(path, features=x, labels=y, x=other_x)
    with pytest.raises(DataError, match=r"features\.npz: holds two arrays that may be the "
                       r"features, 'features' and 'x', with different values, and only "
                       r"'features' would be read; save the features under one"):
        load(path=path)
    np.savez(path, features=x, labels=y, targets=other_y)
    with pytest.raises(DataError, match=r"'labels' and 'targets', with different values"):
        load(path=path)


def test_the_same_array_under_two_names_loads(tmp_path):
    x, y = _arrays(600, 0)
    path = tmp_path / "aliases.npz"
    np.savez(path, features=x, x=x, labels=y, y=y)
    data = load_purchase100(path=path, label_base=0)
    assert np.array_equal(data.y, y)
    assert np.array_equal(data.x, x.astype(np.float32))
