"""dataset.max_samples above the samples a file holds kept them all without a word:
`mia-train dataset=texas100 dataset.path=DIR dataset.max_samples=100000` on Texas100's 67,330
stays trained on the whole file, and a sweep over max_samples=50000,100000 recorded two
sizes for one data set. The loader now warns, naming the setting and what the file holds."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.data import load_npz


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_max_samples_above_the_file_is_warned(tmp_path, caplog):
    np.savez(tmp_path / "d.npz", x=np.arange(400, dtype=np.float32).reshape(200, 2),
             y=np.arange(200) % 3)
    with caplog.at_level(logging.WARNING):
        data = load_npz(path=tmp_path / "d.npz", max_samples=500)
    assert len(data.y) == 200
    said = [m for m in _warnings(caplog) if "max_samples" in m]
    assert len(said) == 1
    assert "d.npz: dataset.max_samples=500 is more than the 200 samples it holds" in said[0]


def test_max_samples_within_the_file_says_nothing_of_it(tmp_path, caplog):
    np.savez(tmp_path / "d.npz", x=np.arange(400, dtype=np.float32).reshape(200, 2),
             y=np.arange(200) % 3)
    with caplog.at_level(logging.WARNING):
        load_npz(path=tmp_path / "d.npz", max_samples=200)
        load_npz(path=tmp_path / "d.npz", max_samples=100)
    assert not [m for m in _warnings(caplog) if "max_samples" in m]
