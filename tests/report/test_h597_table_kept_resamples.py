"""The end-of-run table counts the resamples its intervals rest on (helper 597).

mia-train attack.bootstrap=200 on targets of few non-members: 150 resamples drew one kind of
record and were left out (``ci_one_class_resamples``), so the intervals rest on 50. The
table printed them under 'AUC [95% CI]' without a FEW RESAMPLES line (it read
attack.bootstrap alone), and only a READ WITH CARE line under it said so; mia-report's
caveat (`checks.provenance.thin_intervals`) counts the resamples kept. Both now say it by
that one rule, the table once.
"""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import AttackResult
from mia_defense.metrics.bootstrap import Intervals
from mia_defense.metrics.roc import AttackMetrics
from mia_defense.pipeline.evaluate import RunResult
from mia_defense.report.checks.notes import TABLE_SAYS
from mia_defense.report.checks.provenance import thin_intervals
from mia_defense.report.run_table import format_table

_FPRS = [0.001]


def _attack(left_out: int, drawn: int = 200, confidence: float = 0.95) -> AttackResult:
    metrics = AttackMetrics(auc=0.7, tpr_at_fpr={0.001: 0.02}, advantage=0.3,
                            fpr=np.array([0.0, 1.0]), tpr=np.array([0.0, 1.0]))  # fmt: skip
    intervals = Intervals(auc=(0.6, 0.8), tpr_at_fpr={0.001: (0.01, 0.03)},
                          confidence=confidence, num_resamples=drawn,
                          one_class_resamples=left_out)  # fmt: skip
    return AttackResult(name="a", targets=np.arange(2), scores=np.zeros((2, 4)),
                        metrics=metrics, seconds=0.1, intervals=intervals)  # fmt: skip


def _result(left_out: dict[str, int], drawn: int = 200, confidence: float = 0.95) -> RunResult:
    summary = {"access": "outputs", "auc": 0.7, "auc_ci_low": 0.6, "auc_ci_high": 0.8,
               "tpr@0.1%fpr": 0.02, "empirical_epsilon": 0.5}  # fmt: skip
    return RunResult(
        utility={"train_accuracy": 1.0, "test_accuracy": 0.8, "generalization_gap": 0.2,
                 "chance_accuracy": 0.1},
        attacks={name: dict(summary, ci_one_class_resamples=n) for name, n in left_out.items()},
        strongest_attack=next(iter(left_out)), defense={"defense": "none"}, privacy={},
        wall_seconds=1.0,
        attack_results={name: _attack(n, drawn, confidence) for name, n in left_out.items()},
    )  # fmt: skip


def _few_lines(result: RunResult) -> list[str]:
    return [line for line in format_table(result, _FPRS).splitlines()
            if line.startswith("FEW RESAMPLES")]  # fmt: skip


def test_the_table_says_intervals_of_too_few_kept_resamples():
    lines = _few_lines(_result({"loss": 150, "lira": 150}))
    assert len(lines) == 1
    assert "the intervals of attacks loss, lira rest on 50 of the 200 resamples" in lines[0]
    assert "fewer than the 200 a 95% percentile interval needs" in lines[0]


def test_the_table_names_the_attack_with_fewest_kept():
    (line,) = _few_lines(_result({"loss": 20, "lira": 160}, drawn=300))
    assert "attacks lira rest on 140 of the 300 resamples" in line


def test_the_table_says_it_at_another_level():
    # (the table shows a 99% run's intervals as 99% ones: 1000 needed, 900 kept)
    (line,) = _few_lines(_result({"loss": 100}, drawn=1000, confidence=0.99))
    assert "rest on 900 of the 1000 resamples" in line
    assert "fewer than the 1000 a 99% percentile interval needs" in line


def test_enough_kept_resamples_get_no_line():
    assert _few_lines(_result({"loss": 100}, drawn=300)) == []
    assert _few_lines(_result({"loss": 0})) == []


def test_the_table_and_the_report_say_the_same_words():
    result = _result({"loss": 150, "lira": 150})
    payload = {"config": {"attack": {"bootstrap": 200}}, "attacks": result.attacks}
    key, note = thin_intervals(payload)
    assert _few_lines(result) == [f"FEW RESAMPLES: {note}"]
    assert key in TABLE_SAYS  # (the run-end lines leave it to the table: said once)


def test_too_few_drawn_is_said_as_before():
    (line,) = _few_lines(_result({"loss": 0}, drawn=50))
    assert line.startswith("FEW RESAMPLES: attack.bootstrap=50 resamples leave 1.25 in each")
