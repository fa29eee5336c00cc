"""A Purchase100 or Texas100 folder holding the data twice over, with different data, was
read from one copy without a word: `mia-train dataset=purchase100 dataset.path=DIR` on a
folder with `dataset_purchase` and a `purchase100.npz` (a subset saved earlier) read the
text file, `dataset=texas100` read `texas100.npz` over `feats`/`labels`, and the archive's
top folder holding `feats` beside `texas/100/feats` read the top ones. As the image loaders
do with their copies (MNIST's two folders, CIFAR's two versions), copies that differ are now
refused, naming both; a copy holding the same bytes loads as before."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _binary(rows: int, width: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, (rows, width))


def _write_texas(folder, rows: int, seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "feats", _binary(rows, 12, seed), fmt="%d", delimiter=",")
    np.savetxt(folder / "labels", np.arange(rows) % 100 + 1, fmt="%d")


def test_purchase_text_and_npz_that_differ_are_refused(tmp_path):
    rows = np.column_stack([np.arange(40) % 100 + 1, _binary(40, 600, 0)])
    np.savetxt(tmp_path / "dataset_purchase", rows, fmt="%d", delimiter=",")
    np.savez(tmp_path / "purchase100.npz", features=_binary(70, 600, 1), labels=np.arange(70))
    with pytest.raises(DataError, match=r"dataset_purchase and .*purchase100\.npz hold different "
                                        r"data, and only one is read"):
        load_purchase100(path=tmp_path, label_base=1)


def test_texas_npz_beside_feats_is_refused(tmp_path):
    _write_texas(tmp_path, 40)
    np.savez(tmp_path / "texas100.npz", features=_binary(70, 12, 1), labels=np.arange(70))
    with pytest.raises(DataError, match=r"texas100\.npz and .*feats hold different data"):
        load_texas100(path=tmp_path, label_base=1)


def test_texas_top_feats_beside_texas_100_that_differ_are_refused(tmp_path):
    _write_texas(tmp_path, 40)
    _write_texas(tmp_path / "texas" / "100", 60, seed=1)
    with pytest.raises(DataError, match=r"feats and .*texas/100/feats hold different data"):
        load_texas100(path=tmp_path, label_base=1)


def test_texas_same_copy_twice_loads(tmp_path):
    _write_texas(tmp_path / "texas" / "100", 40)
    for name in ("feats", "labels"):
        shutil.copy(tmp_path / "texas" / "100" / name, tmp_path / name)
    assert len(load_texas100(path=tmp_path, label_base=1).y) == 40
