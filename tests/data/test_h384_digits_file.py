"""The digits loader reads scikit-learn's digits file without importing ``sklearn.datasets``
(a package that imports every loader it has: about 60 modules of the default run's start),
and gives the arrays scikit-learn's ``load_digits`` gives."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mia_defense.data.sklearn_datasets import load_digits, standardise


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("images", [False, True])
def test_digits_are_scikit_learns(standardize, images):
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = bunch.data.astype(np.float32)
    x = standardise(x) if standardize else x
    data = load_digits(standardize=standardize, images=images)
    expected = x.reshape(-1, 1, 8, 8) if images else x
    assert data.x.dtype == expected.dtype and data.x.shape == expected.shape
    assert np.array_equal(data.x, expected)
    assert data.y.dtype == np.int64 and np.array_equal(data.y, bunch.target)


def test_loading_digits_imports_no_sklearn_datasets():
    code = ("import sys; from mia_defense.data import load_digits; d = load_digits(); "
            "print(d.x.shape, sorted(m for m in sys.modules if m.startswith('sklearn.datasets')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1797, 64) []"
