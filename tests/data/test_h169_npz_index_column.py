"""A DataFrame's index saved with its values (np.savez(f, x=df.reset_index().to_numpy(),
y=...)) was a feature of dataset=npz without a word: a model learns the file's order from it
and tells its records apart. The CSV loader warned of such a column; the .npz one now does."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz


def _warned(tmp_path, caplog, x: np.ndarray) -> list[str]:
    y = np.arange(len(x)) % 2
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        load_npz(path=tmp_path / "d.npz")
    return [r.getMessage() for r in caplog.records if "counts the rows" in r.getMessage()]


@pytest.mark.parametrize("index", [np.arange(60), np.arange(1, 61).astype(np.float32),
                                   np.random.default_rng(0).permutation(60)])
def test_an_index_column_in_an_npz_is_warned(tmp_path, caplog, index):
    x = np.c_[np.random.default_rng(1).normal(size=(60, 3)), index]
    warned = _warned(tmp_path, caplog, x)
    assert len(warned) == 1 and (
        "d.npz: column 3 (counting from 0) of array 'x' counts the rows (") in warned[0]
    assert "save the features without that column" in warned[0]


@pytest.mark.parametrize("x", [
    np.random.default_rng(1).normal(size=(60, 3)),
    np.random.default_rng(1).integers(0, 2, (60, 600)).astype(np.uint8),  # purchase-like
    np.c_[np.random.default_rng(1).normal(size=(60, 3)), np.arange(60) * 2],  # gaps
])
def test_features_that_number_nothing_are_not_warned(tmp_path, caplog, x):
    assert _warned(tmp_path, caplog, x) == []
