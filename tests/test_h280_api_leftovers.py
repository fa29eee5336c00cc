"""Python-API leftovers: `mia_defense.plan.make_plan` called directly took ``seed=True`` (seed
1's plan) and failed on a float size with a raw TypeError, where `api.make_plan` and the
config refuse them; a `fractions.Fraction` passed the number checks and was then compared
exactly (``tpr_at_fpr(..., Fraction(1, 100))`` read the TPR below FPR 0.01: the float 0.01
is above 1/100) or reached torch (``MLP(dropout=Fraction(1, 2))``: a TypeError)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.metrics.roc import fpr_read_at, tpr_at_fpr
from mia_defense.models.cnn import SmallCNN
from mia_defense.models.mlp import MLP
from mia_defense.plan import make_plan


@pytest.mark.parametrize(("key", "value"), [
    ("seed", True), ("seed", 1.0), ("num_models", 4.0), ("population_size", 10.0),
    ("test_size", 5.5), ("reference_size", True),
])  # fmt: skip
def test_the_plan_refuses_what_is_no_integer(key, value):
    data = Dataset(x=np.zeros((40, 2), np.float32), y=np.arange(40) % 2, num_classes=2,
                   name="t")  # fmt: skip
    settings = {"num_models": 4, "population_size": None, "test_size": None, "seed": 0}
    with pytest.raises(ConfigError, match=rf"{key}={value!r}: must be an integer"):
        make_plan(data, **{**settings, key: value})


def test_a_fraction_reads_as_its_float():
    fpr, tpr = np.array([0.0, 0.001, 0.01, 0.1, 1.0]), np.array([0.0, 0.05, 0.1, 0.3, 1.0])
    assert tpr_at_fpr(fpr, tpr, Fraction(1, 100)) == tpr_at_fpr(fpr, tpr, 0.01) == 0.1
    assert fpr_read_at(fpr, tpr, Fraction(1, 100)) == 0.01
    assert tpr_at_fpr(fpr, tpr, Fraction(1, 10**400)) == 0.0  # (honest: FPR 0 reads 0)
    MLP(input_shape=(3,), num_classes=2, hidden=(4,), dropout=Fraction(1, 2))(torch.ones(2, 3))
    SmallCNN(input_shape=(1, 4, 4), num_classes=2, channels=(2,), hidden=4,
             dropout=Fraction(1, 2))(torch.ones(2, 1, 4, 4))  # fmt: skip
