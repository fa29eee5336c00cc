"""dataset=npz refusals of complex features and of features with no values per sample
([N, 0]) named the file and the problem, not what to do (h577)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError

_Y = np.arange(40) % 2


def test_complex_features_are_told_how_to_save_real_ones(tmp_path):
    np.savez(tmp_path / "c.npz", x=np.ones((40, 3), complex), y=_Y)
    with pytest.raises(DataError, match=r"c\.npz: features must be real numbers, got dtype "
                                        r"complex128; save the real and imaginary parts as "
                                        r"features of their own: np\.concatenate\(\[x\.real, "
                                        r"x\.imag\], axis=1\)"):
        load_npz(path=tmp_path / "c.npz")


def test_features_without_values_are_told_to_check_the_array(tmp_path):
    np.savez(tmp_path / "e.npz", x=np.zeros((40, 0)), y=_Y)
    with pytest.raises(DataError, match=r"e\.npz: features have shape \(40, 0\): no values per "
                                        r"sample; save the features with at least one value "
                                        r"per sample"):
        load_npz(path=tmp_path / "e.npz")
