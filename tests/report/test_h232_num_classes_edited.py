"""num_classes edited in results.json passed mia-report: the chance floor (no chance_accuracy
lies below 1/num_classes) rests on it, so a model that learned nothing, its num_classes
set to 1 (or 20) and its chance_accuracy lowered to a share of its test records, with its
flags cleared, was ranked with a privacy verdict. The report now holds num_classes to the
classes of the run's observations.npz (log_probs [K, N, C], read from the header of a file
whose sha256 results.json records)."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import rewrite_results


@pytest.mark.parametrize("classes", [1, 20])
def test_num_classes_other_than_the_observed_outputs_is_skipped(fast_run, tmp_path, classes):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # the run's own files pass
    observed = rewrite_results(run, lambda p: None)["num_classes"]
    rewrite_results(run, lambda p: p.update(num_classes=classes))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run] == (
        f"num_classes is {classes}, but the run's observations.npz holds its models' outputs "
        f"over {observed} classes (log_probs, num_models x population x classes): the file "
        "was edited; rerun the run")


def test_a_run_without_its_observations_is_not_checked(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    (run / "observations.npz").unlink()  # (deleted to save space: nothing to hold it to)
    rewrite_results(run, lambda p: p.update(num_classes=p["num_classes"] + 1))
    assert [r.name for r in load_runs([run]).runs] == ["run"]
