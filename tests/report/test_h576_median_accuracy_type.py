"""results.json's ``utility.test_accuracy_median`` of a wrong type or beyond [0, 1] is
refused as the other accuracies are.

Measured (mia-report of a run whose median model's accuracy was edited): 0.05 left it not
ranked (its median model at chance), but "0.05", [0.05], true, {"a": 1}, 1.7 and 1e308 were
ranked without a word: a figure the report judges a run by read only when it is a number.
"""

from __future__ import annotations

import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize(("value", "said"), [
    ("0.05", "is a string '0.05', not a number"),
    ([0.05], "is a list [0.05], not a number"),
    (True, "is a boolean True, not a number"),
    ({"a": 1}, "is an object {'a': 1}, not a number"),
    (1.7, "is 1.7, outside [0, 1]"),
    (1e308, "is 1e+308, outside [0, 1]"),
])  # fmt: skip
def test_a_median_accuracy_not_a_fraction_is_refused(tmp_path, value, said):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=3.0)
    make_run(root / "b", test_accuracy=0.85, signal=1.0, defense="dropout")
    rewrite_results(root / "b", lambda p: p["utility"].__setitem__("test_accuracy_median", value))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    (reason,) = [why for path, why in report.skipped if path.name == "b"]
    assert reason == f"utility.test_accuracy_median {said}"
