"""mia-report read a field a caveat (or the verdict) is drawn from, edited to a type mia-train
never writes there, as nothing to say, and ranked the run unmarked, while the same field
deleted is named ('results.json records no ...'): utility.test_accuracy_models_at_chance "1"
(1 of 4 models at chance: the leak understated), data_duplicates true, data_label_copies "x",
released_labels_only "yes", canaries "5"; and a run whose attacks could not judge it
(privacy.no_verdict_reason: a reason), its reason edited to true, was ranked with a verdict, on
the Pareto front as the most private. Each such run is now skipped, naming the field and why,
as other fields of the wrong type are."""

from __future__ import annotations

import pytest

from mia_defense.report.runs import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _edit(*path: str, value):
    def change(payload):
        for key in path[:-1]:
            payload = payload[key]
        payload[path[-1]] = value
    return change


@pytest.mark.parametrize(("path", "value"), [
    (("utility", "test_accuracy_models_at_chance"), "3"),
    (("utility", "test_accuracy_models_at_chance"), True),
    (("utility", "test_accuracy_models_at_chance"), 2.5),
    (("utility", "test_accuracy_models_at_chance"), -1),
    (("utility", "test_accuracy_models_at_chance"), 99),  # (more than its models)
    (("data_duplicates",), "12"),
    (("data_duplicates",), [12]),
    (("canaries",), "5"),
    (("data_label_copies",), "x"),
    (("data_label_copies",), [True]),
    (("released_labels_only",), "yes"),
    (("privacy", "no_verdict_reason"), True),
    (("privacy", "no_verdict_reason"), ["targets of one kind"]),
])
def test_a_caveat_field_of_another_type_skips_the_run(tmp_path, path, value):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    assert [r.name for r in load_runs([tmp_path]).runs] == ["run"]
    rewrite_results(run_dir, _edit(*path, value=value))
    loaded = load_runs([tmp_path])
    assert not loaded.runs and not loaded.unranked
    ((where, reason),) = loaded.skipped
    assert where == run_dir
    assert reason.startswith(f"{'.'.join(path)} is ")
    assert "the file was edited; rerun the run" in reason


def test_an_edited_no_verdict_reason_no_longer_ranks_the_run_best(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "judged", test_accuracy=0.80, signal=3.0)
    make_run(root / "unjudged", test_accuracy=0.95, signal=0.1, seed=1)
    rewrite_results(root / "unjudged", _edit("privacy", "no_verdict_reason",
                                             value="targets of one kind: no privacy verdict"))
    assert [r.name for r, _ in load_runs([root]).unranked] == ["unjudged"]
    rewrite_results(root / "unjudged", _edit("privacy", "no_verdict_reason", value=True))
    loaded = load_runs([root])
    assert [r.name for r in loaded.runs] == ["judged"]
    assert [p.name for p, _ in loaded.skipped] == ["unjudged"]


@pytest.mark.parametrize(("path", "value"), [
    (("utility", "test_accuracy_models_at_chance"), 1), (("data_duplicates",), 0),
    (("data_label_copies",), []), (("data_label_copies",), ["pixel_3"]),
    (("released_labels_only",), False), (("privacy", "no_verdict_reason"), None),
    (("canaries",), None),
])
def test_values_as_written_are_read_as_before(tmp_path, path, value):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    rewrite_results(run_dir, _edit(*path, value=value))
    assert [r.name for r in load_runs([tmp_path]).runs] == ["run"]
