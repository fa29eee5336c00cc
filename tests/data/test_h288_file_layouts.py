"""Files of the wrong layout that loaded as something else (helper 288).

A Purchase100 text file of the 600 features alone (no label column) loaded as 599 features
with labels 0/1, with only a warning that 2 of the 100 classes had samples."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mia_defense.data import load_purchase100
from mia_defense.errors import DataError


def test_a_purchase100_file_without_its_label_column_is_refused(tmp_path):
    path = tmp_path / "dataset_purchase"
    features = np.random.default_rng(0).random((20, 600)) < 0.1
    np.savetxt(path, features, fmt="%d", delimiter=",")
    with pytest.raises(DataError, match=re.escape(str(path)) + r": 600 columns of 0/1 values "
                       r"per line, where dataset_purchase has 601: the label \(1\.\.100\), "
                       r"then the 600 features: the label column is missing"):
        load_purchase100(path=path)

