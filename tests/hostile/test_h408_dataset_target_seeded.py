"""A ``dataset._target_`` function drawing synthetic data from numpy's global generator gave
other data in every launch of one config (mia-train plan.num_models=4 train.epochs=3
dataset._target_=hdata408.make, ``np.random.randn`` features: 548 values of results.json,
scores.npz and observations.npz differed between two runs), and a killed run's resume was
refused as trained 'on different data'. The function now runs with Python's, numpy's and
torch's global generators seeded (one stream, whatever the run's seed), put back after
(h408)."""

from __future__ import annotations

import random

import numpy as np
import torch
from omegaconf import OmegaConf

from mia_defense.cli.build import _dataset
from mia_defense.data.dataset import Dataset


def synthetic(rows: int = 200) -> Dataset:
    x = np.random.randn(rows, 6).astype(np.float32)  # noqa: NPY002
    x[:, 1] += random.random() + float(torch.rand(()))
    y = (x[:, 0] > 0).astype(np.int64)
    return Dataset(x=x, y=y, num_classes=2, name="synthetic")


def _launch(state: int, seed: int = 0) -> np.ndarray:
    """The dataset a run builds in a process whose generators stand at ``state``."""
    random.seed(state)
    np.random.seed(state)  # noqa: NPY002
    torch.manual_seed(state)
    cfg = OmegaConf.create({"seed": seed, "dataset": {"_target_": f"{__name__}.synthetic"}})
    return _dataset(cfg).x


def test_a_dataset_function_drawing_at_random_gives_one_dataset_in_every_launch() -> None:
    first = _launch(1)
    assert np.array_equal(first, _launch(2))
    assert np.array_equal(first, _launch(3, seed=7))  # (data, like a file: not the run's seed)


def test_the_callers_generators_are_put_back() -> None:
    _launch(5)
    after = random.random(), float(np.random.random())  # noqa: NPY002
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    assert after == (random.random(), float(np.random.random()))  # noqa: NPY002
