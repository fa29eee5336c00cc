"""A results.json whose ``config.seed`` is no integer is refused, as its ``seed`` is.

Measured (mia-report of two seeds of dropout, seed 2's ``config.seed`` edited to 1e300):
``seed`` 1e300 was refused ('seed is a number 1e+300, not an integer >= 0'), but
``config.seed`` 1e300, "x" or [1] was ranked, its runs.csv line reading seeds ``2`` beside
hyperparameters ``seed=1e+300``, and its row averaging it as a seed replicate: the config
seed, which groups the runs, was read only where it was an integer.
"""

from __future__ import annotations

import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize(("value", "shown"), [
    (1e300, "a number 1e+300"), ("x", "a string 'x'"), ([1], "a list [1]"),
    (True, "a boolean True"), (-1, "a number -1"),
])  # fmt: skip
def test_a_config_seed_that_is_no_integer_is_refused(tmp_path, value, shown):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=3.0)
    make_run(root / "b", test_accuracy=0.8, signal=0.3, defense="dropout")
    make_run(root / "d", test_accuracy=0.8, signal=0.4, seed=2, defense="dropout")
    rewrite_results(root / "d", lambda p: p["config"].__setitem__("seed", value))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(s.name for s in report.summaries) == ["a", "b"]
    (reason,) = [why for path, why in report.skipped if path.name == "d"]
    assert reason.startswith(f"config.seed is {shown}, not an integer >= 0")
