"""Leftovers of the h318 review (h319)."""

from __future__ import annotations

import re

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize("content", [b"label,score\n0,0.5\n", bytes(1 << 16)],
                         ids=["text", "zeros"])  # fmt: skip
def test_a_run_folders_observations_that_are_no_npz_are_refused_before_hashing(
    content, tmp_path, monkeypatch
):
    # a run folder's observations.npz was hashed whole (20 GB of zeros) before refused
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=1.0)
    rewrite_results(run, lambda p: p.update(sha256={"observations.npz": "0" * 64}))
    (run / "observations.npz").write_bytes(content)

    def never(path):
        raise AssertionError(f"hashed {path}")

    monkeypatch.setattr("mia_defense.tracking.artifacts.file_sha256", never)
    with pytest.raises(DataError, match=re.escape(
        f"{run / 'observations.npz'}: corrupt or not an .npz archive of plain arrays (not a zip "
        "of .npy files, as np.savez writes)"
    )):
        read_source(run)
