"""load_npz called from Python with dataset.x_key (or y_key) that is no string crashed or
misled: a list, 'TypeError: unhashable type: list' from deep in the archive's member lookup;
0 for an array named '0', "no array 0 ...; it holds ['0', '1']; set dataset.x_key to one of
them". mia-train's config schema refused them already; the loader now does too."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.data.tabular import check_npz_source
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("check", [load_npz, check_npz_source])
@pytest.mark.parametrize("keys", [{"x_key": ["x"]}, {"x_key": 0, "y_key": "1"},
                                  {"y_key": True}, {"y_key": {"a": 1}}])
def test_an_array_name_that_is_no_string_is_refused(tmp_path, check, keys):
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 2)), y=np.arange(4) % 2)
    key = next(iter(keys)) if len(keys) == 1 else "x_key"
    with pytest.raises(ConfigError, match=rf"^dataset\.{key}=.*: must be a string, the name "
                                          r"of an array in the \.npz"):
        check(path=tmp_path / "d.npz", **keys)


def test_string_names_and_null_still_load(tmp_path):
    np.savez(tmp_path / "d.npz", **{"0": np.zeros((4, 2)), "1": np.arange(4) % 2})
    assert load_npz(path=tmp_path / "d.npz", x_key="0", y_key="1").x.shape == (4, 2)
    np.savez(tmp_path / "e.npz", features=np.zeros((4, 2)), labels=np.arange(4) % 2)
    assert load_npz(path=tmp_path / "e.npz", x_key=None, y_key=None).x.shape == (4, 2)
