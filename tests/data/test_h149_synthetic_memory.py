"""Hostile settings (helper 149) of the generated datasets: k-means' memory."""

from __future__ import annotations

import pytest

from mia_defense.data import guards, make_purchase_like
from mia_defense.errors import DataError


def test_purchase_like_kmeans_memory_is_checked_before_it_is_taken(monkeypatch):
    """Only N x D values were checked against the memory: k-means holds [N, C] float64
    arrays, so num_samples=100000 num_classes=20000 (num_features=600: 1.7 GB of values)
    went on to take some 50 GB. Here 2000 x 1000 pairs (64 MB) against a 16 MB budget,
    which the 2000 x 10 values (0.6 MB) fit."""
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 16 << 20)
    with pytest.raises(DataError, match=r"dataset\.num_samples=2000, dataset\.num_classes=1000: "
                                        r"labelling purchase_like with k-means would need "):
        make_purchase_like(num_samples=2000, num_features=10, num_classes=1000, basket_size=5)


def test_purchase_like_of_the_default_size_fits_such_a_budget(monkeypatch):
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 16 << 20)
    data = make_purchase_like(num_samples=500, num_features=20, num_classes=10, basket_size=5)
    assert data.num_classes == 10
