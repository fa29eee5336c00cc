"""observations.npz replaced while mia-attack read it: the sha256 that results.json records
was checked on the run's own file, then the arrays attacked were read from its replacement
(same shapes, every prediction kept), and the figures recorded as the run's. A file that
changes between the check and the read is refused, naming it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import mia_defense.observations as observations
from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.files import load_npz


def _tempered(file: Path, into: Path) -> None:
    """``file`` with its log-probabilities softened (every prediction kept), written at
    ``into``."""
    arrays = load_npz(file)
    flat = arrays["log_probs"].astype(np.float64) / 3
    flat -= np.log(np.exp(flat).sum(axis=-1, keepdims=True))
    np.savez(into, **{**arrays, "log_probs": flat.astype(np.float32)})


@pytest.mark.parametrize("source", ["run", "file"])
def test_a_file_replaced_while_read_is_refused(fast_run, tmp_path, monkeypatch, source):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    target = run / "observations.npz"
    _tempered(target, tmp_path / "other.npz")
    real = observations.load_file

    def replaced_first(path):  # another writer's atomic replace, just before the read
        os.replace(tmp_path / "other.npz", target)
        return real(path)

    monkeypatch.setattr(observations, "load_file", replaced_first)
    with pytest.raises(DataError, match=rf"{target}: changed while mia-attack read it .*"
                                        r"Attack it again once nothing writes to it"):
        read_source(run if source == "run" else target)


def test_a_file_left_alone_is_read(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    assert read_source(run).observations.num_models == fast_run.payload["num_models"]
