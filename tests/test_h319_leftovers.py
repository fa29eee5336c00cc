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


@pytest.mark.parametrize(("chunk_size", "device", "hedged"), [
    (None, "cpu", True),  # 32 stacked, or (large models) one at a time, each saved whole
    (None, "cuda", False),  # 32 stacked
    (2, "cpu", False),  # a number always stacks
])  # fmt: skip
def test_the_kept_lines_chunk_remark_allows_for_models_trained_one_at_a_time(
    tmp_path, caplog, chunk_size, device, hedged
):
    # train.chunk_size=null on a CPU trains models above 16 MFLOP a batch one at a time, each
    # saved as it ends; Ctrl-C after 3 of them was told a chunk saved in part trains again
    import json
    import logging

    from mia_defense.cli.stopped import say_what_the_run_kept

    config = {"plan": {"num_models": 16}, "train": {
        "engine": "stacked", "chunk_size": chunk_size, "fit": None, "device": device}}
    (tmp_path / "results.json").write_text(json.dumps(
        {"schema_version": 1, "status": "interrupted", "config": config}))
    (tmp_path / "checkpoints").mkdir()
    for k in range(3):
        (tmp_path / "checkpoints" / f"model_{k:04d}.pt").touch()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        say_what_the_run_kept(tmp_path)
    hedge = ("(but if they trained stacked, 32 at a time, a chunk saved in part trains again "
             "whole; train.chunk_size=null trains large models one at a time on a CPU, each "
             "saved whole)")
    assert (hedge in caplog.text) is hedged
    plain = "(but a chunk of stacked models saved in part trains again whole)"
    assert (plain in caplog.text) is not hedged
