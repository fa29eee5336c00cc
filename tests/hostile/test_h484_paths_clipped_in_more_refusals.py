"""h484: the refusals of data/idx.py, tracking/run_dir.py and observations.py named their
path bare: an IDX file of a 1,500-character path that is no IDX file, a run folder whose
.lock is a folder, an .npz that is no observations file, each said the path whole (a line of
1,500-odd characters), and mia-attack of a run's file passed the observations' refusal on
with it. Each now names it as every refusal does (`constraints.shown_path`: clipped, with
its length, beyond `constraints.PATH_LIMIT`); a path of 300 characters is named whole, as
before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.attack_source import read_source
from mia_defense.constraints import PATH_LIMIT
from mia_defense.data.idx import read_idx
from mia_defense.errors import DataError
from mia_defense.observations import Observations
from mia_defense.tracking.run_dir import LOCK, claim_run_dir
from tests.hostile.test_h481_paths_in_more_suggested_commands import _long, _ordinary


def _not_idx(folder: Path) -> tuple[Path, str]:
    folder.mkdir(parents=True)
    file = folder / "train-images-idx3-ubyte"
    file.write_bytes(b"not an IDX file at all")
    with pytest.raises(DataError) as caught:
        read_idx(file)
    return file, str(caught.value)


def _lock_a_folder(folder: Path) -> tuple[Path, str]:
    (folder / LOCK).mkdir(parents=True)
    with pytest.raises(DataError) as caught, claim_run_dir(folder):
        pass
    return folder / LOCK, str(caught.value)


def _not_observations(folder: Path) -> tuple[Path, str]:
    folder.mkdir(parents=True)
    file = folder / "observations.npz"
    np.savez(file, masks=np.zeros((2, 4), bool))
    with pytest.raises(DataError) as caught:
        Observations.load(file)
    return file, str(caught.value)


def _run_file_attacked(folder: Path) -> tuple[Path, str]:
    """mia-attack of a run's scores.npz (no observations file): the observations' refusal,
    with the run folder meant."""
    folder.mkdir(parents=True)
    (folder / "observations.npz").write_bytes(b"PK")
    (folder / "train.log").write_text("")
    file = folder / "scores.npz"
    np.savez(file, scores=np.zeros(3))
    with pytest.raises(DataError) as caught:
        read_source(file)
    return file, str(caught.value)


REFUSALS = [_not_idx, _lock_a_folder, _not_observations, _run_file_attacked]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_long_path_is_clipped(tmp_path: Path, refusal) -> None:
    path, message = refusal(_long(tmp_path))
    assert str(path) not in message
    assert str(path)[:200] in message  # (its start, clipped)
    assert f"… ({len(str(path))} characters)" in message
    assert len(message) < 2 * PATH_LIMIT + 600


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_long_path_is_whole(tmp_path: Path, refusal) -> None:
    path, message = refusal(_ordinary(tmp_path))
    assert message.startswith(str(path)) or f" {path}" in message
