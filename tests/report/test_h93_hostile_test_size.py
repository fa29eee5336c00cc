"""``test_size`` raised by hand in a run of the default split (``config.plan.population_size``
and ``test_size`` null, which ``_test_size_problem`` cannot compare with): 797 or 143 test
records to 10**12 hid the small-test and near-chance caveats in mia-report and mia-attack."""

import re
import shutil

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from mia_defense.report.checks import edited_problem
from tests.report.fake_runs import make_run, rewrite_results

# breast_cancer's default split: 426 population records, 143 test records
POPULATION, SIZE, MODELS = 426, 143, 4


def _run(run, size):
    """A default-split run of 4 models right on 515 of 4 x 143 test records, majority 90."""
    make_run(run, test_accuracy=515 / (MODELS * SIZE), signal=2.0, chance_accuracy=90 / SIZE,
             test_accuracy_std=None, dataset="breast_cancer", nonmember_scores=852,
             config={"plan.population_size": None, "plan.test_size": None})  # fmt: skip
    return rewrite_results(run, lambda p: p.update(population_size=POPULATION, test_size=size))


def test_a_test_size_the_default_split_cannot_leave_skips_the_run(tmp_path):
    _run(tmp_path / "kept", SIZE)
    # 7 x 143: every utility figure still a whole number of hits; only the split tells
    raised = _run(tmp_path / "raised", 7 * SIZE)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    reason = ("test_size is 1001, but the default split (config.plan.population_size and "
              "test_size null) that drew population_size 426 leaves 142 or 143 test records: "
              "the file was edited; rerun the run")  # fmt: skip
    assert dict(loaded.skipped)[tmp_path / "raised"] == reason
    assert edited_problem(raised) == reason  # (mia-attack's check of an edited run)


def test_a_test_size_raised_to_a_trillion_is_refused_by_both_tools(fast_run, tmp_path):
    # (digits: the default population of 1000 reached, the data's size not recorded; the
    # chance accuracy, one division by the test size, is no share of 10**12 records)
    run = tmp_path / "runs" / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, lambda p: p.update(test_size=10**12))
    reason = "which is no share of its 1000000000000 test records"
    assert reason in dict(load_runs([tmp_path / "runs"]).skipped)[run]
    with pytest.raises(DataError, match=reason):
        read_source(run)


@pytest.mark.parametrize("raised", [True, False])
def test_a_test_size_other_than_the_observations_test_indices_is_refused(
    fast_run, tmp_path, raised
):
    # 1000 x the run's own count: every utility figure still a whole number of hits, and the
    # default population of 1000 reached (the data's size is not recorded); or deleted,
    # which left the report no test_size (plan.test_size null) for its caveats
    run = tmp_path / "runs" / "run"
    shutil.copytree(fast_run.run_dir, run)
    size = rewrite_results(run, lambda p: None)["test_size"]
    rewrite_results(run, lambda p: p.update(test_size=1000 * size) if raised
                    else p.pop("test_size"))  # fmt: skip
    said = f"test_size is {1000 * size}" if raised else "test_size is missing"
    reason = (f"{said}, but the run's observations.npz holds the indices of {size} test "
              "records (test_idx): the file was edited; rerun the run")
    assert dict(load_runs([tmp_path / "runs"]).skipped)[run] == reason
    with pytest.raises(DataError, match=re.escape(reason)):
        read_source(run)
