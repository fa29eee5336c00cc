"""A Dataset named by something other than text (a dataset._target_ of the user's returning
Dataset(..., name=5) or name=None) trained and was attacked in full, then mia-report skipped
its results.json ('dataset is a number 5, not a name'): the run lost. The Dataset refuses
such a name when it is made, before any training."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import Dataset, load_npz
from mia_defense.errors import ConfigError, DataError


def _arrays():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


@pytest.mark.parametrize("name", [5, None, "", "  ", b"data"])
def test_a_name_that_is_no_text_is_refused(name):
    x, y = _arrays()
    with pytest.raises(DataError, match=r"^Dataset\(name=.*\): the name must be non-empty text "
                                        r"\(results\.json's dataset.*give name='my_data'"):
        Dataset(x=x, y=y, num_classes=2, name=name)


def test_a_loader_given_such_a_name_from_python_refuses_it(tmp_path):
    x, y = _arrays()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with pytest.raises(ConfigError, match=r"Dataset\(name=5\)"):  # (its setting: h254)
        load_npz(path=tmp_path / "d.npz", name=5)
    assert load_npz(path=tmp_path / "d.npz", name="mine").name == "mine"
