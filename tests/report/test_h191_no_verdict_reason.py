"""A run whose results.json says its attacks could not judge (``privacy.no_verdict_reason``)
is not ranked: it is listed in not_ranked.csv with the reason, kept off the Pareto front, and
a sweeper gets the worst leakage for it.

Measured: mia-attack of observations whose targets each trained on all or none of the
records (K=4, models 1 and 3 on every record, 0 and 2 on none) printed 'no_verdict_reason
target models with one kind of record ... no privacy verdict', yet mia-report ranked it,
alone on its front at AUC 0.828, with only the resolution caveat.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from mia_defense.report.objectives import objectives
from tests.report.fake_runs import make_run, rewrite_results

REASON = (
    "target models with one kind of record among those judged (members only: model 1, 3; "
    "non-members only: model 0, 2): ... no privacy verdict"
)


def _no_verdict(payload):
    payload["privacy"]["no_verdict_reason"] = REASON


def test_a_run_without_a_verdict_is_listed_not_ranked(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "judged", test_accuracy=0.80, signal=3.0)
    make_run(root / "unjudged", test_accuracy=0.95, signal=0.1, seed=1)
    rewrite_results(root / "unjudged", _no_verdict)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    ranked = [r.name for g in report.groups for r in g.runs]
    assert ranked == ["judged"]
    with (tmp_path / "out" / "not_ranked.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"] for r in rows] == ["unjudged"]
    assert "privacy.no_verdict_reason" in rows[0]["reason"]
    assert "no privacy verdict" in rows[0]["reason"]


def test_a_blank_reason_changes_nothing(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.95, signal=0.1)
    rewrite_results(root / "a", lambda p: p["privacy"].update(no_verdict_reason=" "))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [r.name for g in report.groups for r in g.runs] == ["a"]


def test_a_sweeper_gets_the_worst_leakage(tmp_path):
    payload = make_run(tmp_path / "run", test_accuracy=0.95, signal=0.1)
    names = ["utility.test_accuracy", "max_attack.tpr@0.1%fpr", "max_attack.auc"]
    before = objectives(payload, names)
    assert before[1] < 1.0 and before[2] < 1.0
    _no_verdict(payload)
    assert objectives(payload, names) == [0.95, 1.0, 1.0]
