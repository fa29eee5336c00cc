"""A run's observations.npz edited after the run (its test_idx lengthened with test_size in
results.json, so that the two agree) passed mia-report, which compared them but never the
file with the sha256 its results.json records of it (mia-attack did). Now it is skipped,
naming the file and what to do."""

import shutil

import numpy as np

from mia_defense.report import load_runs
from tests.report.fake_runs import rewrite_results


def test_an_observations_file_edited_with_test_size_is_skipped(fast_run, tmp_path):
    run = tmp_path / "runs" / "run"
    shutil.copytree(fast_run.run_dir, run)
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # the run's own files pass
    path = run / "observations.npz"
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["test_idx"] = np.concatenate([arrays["test_idx"]] * 3)
    np.savez_compressed(path, **arrays)
    rewrite_results(run, lambda p: p.update(test_size=3 * p["test_size"]))
    loaded = load_runs([run])
    assert loaded.runs == []
    reason = dict(loaded.skipped)[run]
    assert reason.startswith("observations.npz in its folder has another sha256 than "
                             "results.json records for it")
    assert "put its own observations.npz back" in reason


def test_a_malformed_digest_of_observations_is_skipped(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, lambda p: p["sha256"].update({"observations.npz": "0" * 10}))
    reason = dict(load_runs([run]).skipped)[run]
    assert reason.startswith("sha256['observations.npz'] is '0000000000', not a sha256 hex")


def test_a_digest_record_that_is_no_object_is_skipped(fast_run, tmp_path):
    """``sha256: [1]`` (or null) turned off the check of the checkpoints and of
    observations.npz alike, and the run was ranked; mia-attack refuses it."""
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, lambda p: p.update(sha256=[1]))
    reason = dict(load_runs([run]).skipped)[run]
    assert reason.startswith("sha256 is list [1], not an object of the run's files")
