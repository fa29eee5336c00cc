"""mia-report's checks of an edited results.json in report/checks/attack_results.py,
payload.py and provenance.py spelt ': the file was edited; rerun the run' each in its own
literal (helper 555), beside `mia_defense.report.checks.doubt.edited`, which bdb56260 made
the one place of that phrase: a change of it left them behind. They call `edited` now; the
words and what is refused are unchanged."""

from __future__ import annotations

import copy

import pytest

from mia_defense.report.checks import doubt, payload_problem
from tests.report.fake_runs import make_run

# one edit each that a check of each module refuses (payload, provenance, attack_results)
_EDITS = {
    "released_labels_only": lambda p: p.update(released_labels_only="yes"),
    "num_models": lambda p: p.update(num_models=p["num_models"] + 1),
    "defense.release": lambda p: p["defense"].update(release="label_only"),
    "nonmember_records": lambda p: p.update(nonmember_records=p["nonmember_scores"] + 1),
}


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return make_run(tmp_path_factory.mktemp("h555") / "a", test_accuracy=0.9, signal=1.0)


@pytest.mark.parametrize("key", list(_EDITS))
def test_each_refusal_ends_in_the_one_phrase(payload, key, monkeypatch):
    edited = copy.deepcopy(payload)
    _EDITS[key](edited)
    problem = payload_problem(edited)
    assert problem is not None and problem.startswith(f"{key} is ")
    assert problem.endswith(": the file was edited; rerun the run"), problem
    monkeypatch.setattr(doubt, "EDITED", "EDITED IN ONE PLACE")
    assert payload_problem(edited) == problem.replace(
        "the file was edited; rerun the run", "EDITED IN ONE PLACE")


def test_the_unedited_run_is_read(payload):
    assert payload_problem(payload) is None
