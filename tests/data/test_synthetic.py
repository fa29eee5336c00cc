"""The generated Purchase-like and Texas-like tasks: deterministic, and easy to overfit."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from mia_defense.cli.train import run
from mia_defense.data import make_purchase_like, make_texas_like
from mia_defense.errors import ConfigError
from tests.helpers import LEAN_ATTACKS


@pytest.mark.parametrize("make", [make_purchase_like, make_texas_like])
def test_same_seed_same_bytes_different_seed_different(make):
    kwargs = {"num_samples": 400, "num_features": 120, "num_classes": 20}
    a, b, c = make(seed=5, **kwargs), make(seed=5, **kwargs), make(seed=6, **kwargs)
    assert a.x.tobytes() == b.x.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert a.x.tobytes() != c.x.tobytes()
    assert a.x.shape == (400, 120) and a.num_classes == 20 and a.x.dtype == np.float32
    assert set(np.unique(a.x)) == {0.0, 1.0}  # binary features, as in the real datasets
    assert len(np.unique(a.y)) == 20  # every class is present


def test_purchase_like_labels_are_kmeans_clusters_of_the_features():
    data = make_purchase_like(num_samples=600, num_features=100, num_classes=10, seed=0)
    centroids = np.stack([data.x[data.y == c].mean(axis=0) for c in range(10)])
    nearest = ((data.x[:, None] - centroids[None]) ** 2).sum(-1).argmin(axis=1)
    assert (nearest == data.y).mean() > 0.99  # a k-means fixed point: each point at its centroid


def test_sizes_are_checked():
    with pytest.raises(ConfigError, match=r"dataset.num_samples=50: must be >= 2 \* num_classes"):
        make_purchase_like(num_samples=50, num_classes=100)
    with pytest.raises(ConfigError, match=r"dataset.basket_size=700"):
        make_purchase_like(num_samples=400, num_classes=10, basket_size=700)


@pytest.mark.slow  # a property of trained models: 8 models x 20 epochs on 1000 x 600 (~4 s)
def test_purchase_like_is_far_more_vulnerable_than_digits(make_cfg, tmp_path):
    # digits with the default recipe: LiRA online AUC about 0.67 (K=16, README's run)
    cfg = make_cfg(
        "dataset=purchase_like",
        "dataset.num_samples=1000",
        "plan.num_models=8",
        "plan.population_size=400",
        "train.epochs=20",
        "train.batch_size=32",
        "train.lr=0.001",
        *LEAN_ATTACKS,
    )
    result = run(cfg, tmp_path)
    assert result.utility["train_accuracy"] > 0.95
    assert result.utility["generalization_gap"] > 0.3
    assert result.attacks["lira_online"]["auc"] > 0.85


def test_purchase_like_labels_are_the_same_under_every_blas_kernel():
    # scikit-learn's KMeans gave other labels under other OpenBLAS kernels (the kernel is
    # chosen by CPU model): the same seed made another dataset on another machine
    code = (
        "import hashlib; from mia_defense.data.synthetic import make_purchase_like; "
        "d = make_purchase_like(num_samples=1500, num_features=200, num_classes=30, seed=3); "
        "print(hashlib.sha256(d.y.tobytes()).hexdigest())"
    )
    digests = set()
    for kernel in ("Prescott", "Sandybridge", "Haswell"):
        env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_kmeans_labels_fill_every_cluster_and_sit_at_their_centroids():
    data = make_purchase_like(num_samples=300, num_features=40, num_classes=20, seed=1)
    assert np.bincount(data.y, minlength=20).min() >= 1
    centroids = np.stack([data.x[data.y == c].mean(axis=0) for c in range(20)])
    nearest = ((data.x[:, None] - centroids[None]) ** 2).sum(-1).argmin(axis=1)
    assert (nearest == data.y).mean() > 0.99
