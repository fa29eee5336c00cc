"""h406: mia-report ranked a run recording ``nonmember_records: 0`` beside 1000 non-member
scores without a word, where 3 records get the caveat that its TPR rests on those few
records: scores of no record contradict the run (mia-train counts both from one mask, each
non-member record giving one score or more), as ``nonmember_scores: 0`` beside TPR figures
does, and such a run is skipped as edited."""

from __future__ import annotations

import pytest

from mia_defense.report.runs import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _records(count):
    def change(payload):
        payload["nonmember_records"] = count
    return change


def _loaded(tmp_path, records):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3, nonmember_scores=1000)
    rewrite_results(run_dir, _records(records))
    return load_runs([tmp_path])


def test_few_records_get_the_caveat(tmp_path):
    loaded = _loaded(tmp_path, 3)
    assert [r.name for r in loaded.runs] == ["run"]
    assert any("are of 3 distinct records" in note for _, note in loaded.caveats)


@pytest.mark.parametrize("records", [0, 1001])
def test_records_the_scores_cannot_be_of_skip_the_run(tmp_path, records):
    loaded = _loaded(tmp_path, records)
    assert not loaded.runs and not loaded.unranked
    ((_, reason),) = loaded.skipped
    assert reason.startswith(f"nonmember_records is {records}, but nonmember_scores is 1000")
    assert reason.endswith("the file was edited; rerun the run")


def test_records_within_the_scores_rank_unmarked_by_it(tmp_path):
    loaded = _loaded(tmp_path, 1000)
    assert [r.name for r in loaded.runs] == ["run"] and not loaded.skipped
    assert not any("distinct records" in note for _, note in loaded.caveats)
