"""scores.npz (`write_npz`) is deflated at zlib level 1, observations.npz at zlib's default
(its sha256 in earlier runs' results.json is the digest of those bytes); both read back
array for array."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from mia_defense.observations import Observations
from mia_defense.tracking.artifacts import NPZ_LEVEL, write_npz


@pytest.fixture
def levels(monkeypatch):
    """The zlib level of every zip member written while the test runs."""
    seen: list[int | None] = []
    compressor = zipfile._get_compressor

    def recorded(compress_type, compresslevel=None):
        seen.append(compresslevel)
        return compressor(compress_type, compresslevel)

    monkeypatch.setattr(zipfile, "_get_compressor", recorded)
    return seen


def test_write_npz_deflates_at_level_1_and_reads_back_the_same_arrays(tmp_path, levels):
    rng = np.random.default_rng(0)
    arrays = {"targets": np.arange(4), "scores/loss": rng.normal(size=(4, 50)),
              "is_canary": rng.random(50) < 0.1, "file": np.float32([1.5])}  # fmt: skip
    write_npz(tmp_path / "scores.npz", **arrays)
    assert levels and set(levels) == {NPZ_LEVEL} and NPZ_LEVEL == 1
    with np.load(tmp_path / "scores.npz") as back:
        assert sorted(back.files) == sorted(arrays)
        for name, array in arrays.items():
            assert back[name].dtype == array.dtype and np.array_equal(back[name], array), name
    with zipfile.ZipFile(tmp_path / "scores.npz") as zf:
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_DEFLATED}


def test_observations_keep_zlib_default_level(tmp_path, levels):
    rng = np.random.default_rng(1)
    obs = Observations(log_probs=np.log(rng.dirichlet(np.ones(3), size=(4, 10))).astype(np.float32),
                       labels=rng.integers(0, 3, 10), masks=rng.random((4, 10)) < 0.5)  # fmt: skip
    obs.save(tmp_path / "observations.npz")
    assert levels and set(levels) == {None}
    assert Observations.load(tmp_path / "observations.npz").masks.tolist() == obs.masks.tolist()
