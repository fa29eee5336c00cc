"""A finished run's ``config.attack.bootstrap`` edited in its results.json from 50 to 0
(helper 511): mia-report showed the intervals of 50 resamples as 95% ones, without the
caveat of too few resamples that 50 gets ('TPR@0.1%FPR 0.044 [0.017, 0.095]', no note),
though a run of attack.bootstrap=0 computes no interval and records each bound null. Such a
run is now skipped as edited, as other figures that contradict its config are."""

from __future__ import annotations

import math

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results

EDITED = ("but config.attack.bootstrap is 0, which computes no intervals (each bound null): "
          "the file was edited; rerun the run")  # fmt: skip


def _zero(payload):
    payload["config"]["attack"]["bootstrap"] = 0


def test_intervals_beside_a_count_of_zero_skip_the_run(tmp_path):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 50})
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # the run's own file passes
    rewrite_results(run, _zero)
    loaded = load_runs([run])
    assert loaded.runs == [] and not loaded.unranked
    reason = dict(loaded.skipped)[run]
    assert reason.startswith("attacks.") and "_ci_" in reason and reason.endswith(EDITED)


def test_one_bound_left_is_enough(tmp_path):
    # (the others set null by hand, one forgotten: still not a run of no intervals)
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 50})

    def one_left(payload):
        _zero(payload)
        for metrics in payload["attacks"].values():
            for key in metrics:
                if key.endswith(("_ci_low", "_ci_high")):
                    metrics[key] = None
        payload["attacks"]["lira"]["auc_ci_high"] = 0.9

    rewrite_results(run, one_left)
    assert dict(load_runs([run]).skipped)[run] == f"attacks.lira.auc_ci_high is 0.9, {EDITED}"


def test_a_run_of_no_intervals_is_ranked(tmp_path):
    # a run of attack.bootstrap=0 records each bound null: ranked, no interval shown
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 0})
    assert all(v is None or math.isnan(v) for m in payload["attacks"].values()
               for k, v in m.items() if k.endswith(("_ci_low", "_ci_high")))  # fmt: skip
    loaded = load_runs([run])
    assert [r.name for r in loaded.runs] == ["run"] and not loaded.skipped
