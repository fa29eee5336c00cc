"""A ``utility.test_accuracy_std`` above 0.5 (no accuracies in [0, 1] spread more: half at
0, half at 1) edited into a results.json: 1e100 passed the spread check (its square a
float too large to be anything but whole) and mia-report ranked the run with a test
accuracy of '0.268 [0.000, 1.000]'; 1e300 overflowed that check into a traceback. The
run is now skipped with the key and the bound named."""

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results
from tests.report.test_h81_hostile_spread import SIZE, _run, _utility


@pytest.mark.parametrize("std", [1e100, 1e300, 0.51])
def test_a_spread_no_accuracies_have_skips_the_run(tmp_path, std):
    _run(tmp_path / "kept", _utility())
    _run(tmp_path / "wide", {**_utility(), "test_accuracy_std": std})
    loaded = load_runs([tmp_path])  # (1e300: OverflowError before)
    assert [r.name for r in loaded.runs] == ["kept"]
    assert dict(loaded.skipped)[tmp_path / "wide"] == (
        f"utility.test_accuracy_std is {std!r}, above 0.5, the most accuracies in [0, 1] "
        "spread (their std over the models): a figure was changed after the run; rerun it")


def test_the_widest_spread_accuracies_have_is_read(tmp_path):
    # 2 models right on all and none of the test records: std 0.5 (ddof 0), mean 0.5
    make_run(tmp_path / "split", test_accuracy=0.8, signal=2.0, chance_accuracy=89 / SIZE,
             config={"plan.num_models": 2})  # fmt: skip
    rewrite_results(tmp_path / "split", lambda p: (p.update(test_size=SIZE), p["utility"].update(
        test_accuracy=0.5, test_accuracy_std=0.5, test_accuracy_median=0.5,
        train_accuracy=0.9, generalization_gap=0.4)))  # fmt: skip
    loaded = load_runs([tmp_path])
    assert not loaded.skipped
