"""A user's dataset (``dataset._target_``) gets the loaders' warnings: a copy of the labels
among its feature columns (exact or near) and images that may be stored channels-last, not
only the unscaled-values warning."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.data.dataset import Dataset

_N = 300


def _flat(errors: float) -> Dataset:
    rng = np.random.default_rng(0)
    y = np.arange(_N) % 3
    copy = np.where(rng.random(_N) < errors, (y + 1) % 3, y)
    x = np.column_stack([rng.normal(size=(_N, 3)), copy]).astype(np.float32)
    return Dataset(x=x, y=y, num_classes=3, name="mine")


def exact_copy() -> Dataset:
    return _flat(0.0)


def near_copy() -> Dataset:
    return _flat(0.01)


def channels_last() -> Dataset:
    x = np.random.default_rng(0).normal(size=(_N, 16, 16, 5)).astype(np.float32)
    return Dataset(x=x, y=np.arange(_N) % 3, num_classes=3, name="mine")


@pytest.mark.parametrize(("name", "said"), [
    ("exact_copy", "feature column [3] (counting from 0) determines the label"),
    ("near_copy", "feature column [3] (counting from 0) is nearly a copy of the labels"),
    ("channels_last", "images of shape [16, 16, 5] are read as 16 channels of 16x5 pixels"),
])
def test_a_user_dataset_gets_the_loaders_warnings(make_cfg, caplog, name, said):
    cfg = make_cfg(f"dataset._target_=tests.data.test_h95_user_dataset_checks.{name}",
                   "~dataset.standardize")
    with caplog.at_level("WARNING"):
        build_experiment(cfg)
    assert f"dataset 'mine': {said}" in caplog.text
