"""The studies' summary scripts read each run "as mia-report does", but only its
results.json: a run whose observations.npz was edited after the run (its test_idx and
test_size together), or whose folder was renamed, was tabulated. They now apply the
report's checks of the folder's files (`folder_problem`) and leave such a run out."""

import shutil
from pathlib import Path

import numpy as np

from tests.helpers import load_script
from tests.report.fake_runs import rewrite_results

study_runs = load_script(Path(__file__).resolve().parents[1] / "experiments/study_runs.py",
                         "h98_study_runs")  # fmt: skip


def test_a_study_leaves_out_a_run_whose_observations_were_edited(fast_run, tmp_path):
    root = tmp_path / "sweep"
    shutil.copytree(fast_run.run_dir, root / "kept")
    shutil.copytree(fast_run.run_dir, root / "edited")
    path = root / "edited" / "observations.npz"
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["test_idx"] = np.concatenate([arrays["test_idx"]] * 2)
    np.savez_compressed(path, **arrays)
    rewrite_results(root / "edited", lambda p: p.update(test_size=2 * p["test_size"]))
    sweep = study_runs.Sweep(root, name="t.py", script="run.sh")
    assert [run.name for run, _, _ in sweep.payloads()] == ["kept"]
    ((left, reason),) = sweep.skipped
    assert left == root / "edited" / "results.json"
    assert reason.startswith("observations.npz in its folder has another sha256 than")
