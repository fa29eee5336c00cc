"""A feature column that equals the label (or one value per class) in 99% of the samples, a
leaked label column with a few errors, was not warned while exact copies were (helper h92)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import checks, copies, load_npz

_NEAR = "is nearly a copy of the labels"


def _leaky(errors: float, *, n: int = 1000, classes: int = 5, seed: int = 0):
    """Two noise columns and a copy of the labels (as 3y + 1) with ``errors`` of them wrong."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    wrong = rng.permutation(n)[: int(errors * n)]
    copy = y.copy()
    copy[wrong] = (y[wrong] + 1 + rng.integers(0, classes - 1, len(wrong))) % classes
    x = np.column_stack([rng.normal(size=n), 3.0 * copy + 1, rng.normal(size=n)])
    return x.astype(np.float32), y


def test_a_label_column_with_a_few_errors_is_warned_by_its_index(tmp_path, caplog):
    x, y = _leaky(0.01)
    path = tmp_path / "leak.npz"
    np.savez(path, x=x, y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    said = [r.getMessage() for r in caplog.records if _NEAR in r.getMessage()]
    assert len(said) == 1
    assert f"{path}: feature column [1] (counting from 0) {_NEAR}" in said[0]
    assert "at least 98%" in said[0] and "drop the column" in said[0]
    assert "determines the label" not in caplog.text  # not an exact copy


@pytest.mark.parametrize("errors", [0.01, 0.015])
def test_near_copies_are_found_with_their_share(errors):
    x, y = _leaky(errors)
    columns, shares = checks.near_label_copies(x, y)
    assert columns.tolist() == [1]
    assert 1 - errors - 0.01 < shares[0] < 1


@pytest.mark.parametrize("errors", [0.0, 0.05, 0.5])
def test_exact_copies_and_columns_that_only_tend_with_the_label_are_not_near_copies(errors):
    x, y = _leaky(errors)
    assert checks.near_label_copies(x, y)[0].tolist() == []


def test_a_rare_class_counts_as_much_as_a_common_one():
    # a sparse 0/1 feature: 0 in 99.9% of class 0 and 1 in 80% of the rare class 1: right
    # on 99.7% of all the samples, but no copy of the labels
    rng = np.random.default_rng(0)
    y = (np.arange(4000) % 100 == 0).astype(int)
    x = np.where(y == 1, rng.random(4000) < 0.8, rng.random(4000) < 0.001)
    x = np.column_stack([x, rng.normal(size=4000)]).astype(np.float32)
    assert checks.near_label_copies(x, y)[0].tolist() == []


def test_a_near_copy_is_found_across_chunks(monkeypatch):
    monkeypatch.setattr(copies, "_COPY_ROWS", 64)
    x, y = _leaky(0.01, n=2000)
    assert copies.near_label_copies(x, y)[0].tolist() == [1]
