"""plan.test_size=5: the run printed "test accuracy 0.800 (train 0.812, gap 0.012, chance
0.400)" and mia-report ranked it at "acc 0.800 [0.540, 1.000]", an interval over its 4 models,
all scored on the same 5 records: 4 of 5 records alone give [0.376, 0.964], which does not
even establish the accuracy above chance. The run now warns before training, and mia-report
lists such a run under its caveats."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.pipeline.data import warn_small_test_set
from mia_defense.report.checks import caveats, near_chance_note, small_test_set_note
from mia_defense.report.stats import wilson_interval


def _payload(test_size, accuracy=0.8, chance=0.4):
    return {
        "test_size": test_size,
        "utility": {"test_accuracy": accuracy, "chance_accuracy": chance},
        "privacy": {},
        "attacks": {},
    }


def test_wilson_interval_of_four_of_five():
    low, high = wilson_interval(0.8, 5)
    assert low == pytest.approx(0.3755, abs=1e-4) and high == pytest.approx(0.9638, abs=1e-4)
    assert wilson_interval(1.0, 3)[1] == 1.0 and wilson_interval(0.0, 3)[0] == 0.0
    assert all(np.isnan(wilson_interval(0.5, 0)))


def test_an_accuracy_on_five_test_records_is_a_caveat_of_the_report():
    note = small_test_set_note(_payload(5))
    assert note == (
        "its test accuracy 0.800 rests on 5 test records: from them alone its 95% interval is "
        "[0.376, 0.964], which does not establish it above chance 0.400 (the interval shown is "
        "the spread of its models on those same records); rerun it with a larger plan.test_size"
    )
    assert note in caveats(_payload(5))


def test_a_small_test_set_whose_accuracy_beats_chance_says_so_without_doubt():
    note = small_test_set_note(_payload(60, accuracy=0.9, chance=0.1))
    assert note is not None and "chance" not in note


@pytest.mark.parametrize("size", [0, 100, 1597, None, True, "5"])
def test_a_large_absent_or_odd_test_set_is_no_caveat(size):
    assert small_test_set_note(_payload(size)) is None


def test_a_run_with_five_test_records_warns_before_training(caplog):
    class Plan:
        test_idx = np.arange(5)

    with caplog.at_level(logging.WARNING):
        warn_small_test_set(Plan())
    assert "the test set holds 5 records" in caplog.text and "plan.test_size" in caplog.text
    caplog.clear()
    Plan.test_idx = np.arange(100)
    with caplog.at_level(logging.WARNING):
        warn_small_test_set(Plan())
    assert caplog.text == ""


def test_an_accuracy_not_established_above_chance_on_a_large_test_set_is_a_caveat():
    # breast_cancer's 143 test records, a DP model at 0.633 against the majority's 0.601:
    # ranked as the least leaky point of its front without a word
    payload = _payload(143, accuracy=0.633, chance=0.601)
    assert small_test_set_note(payload) is None
    note = near_chance_note(payload)
    assert note == (
        "its test accuracy 0.633 is not established above chance 0.601: on its 143 test "
        "records the 95% interval is [0.551, 0.708]; the model may have learned nothing, and "
        "then its low leakage says nothing about privacy"
    )
    assert note in caveats(payload)


@pytest.mark.parametrize(
    ("size", "accuracy"), [(143, 0.893), (143, 0.5), (0, 0.633), (None, 0.633)]
)
def test_an_accuracy_well_above_or_at_chance_or_without_test_set_is_no_near_chance_caveat(
    size, accuracy
):
    # at or below chance the run is not ranked at all (rank_problem says why)
    assert near_chance_note(_payload(size, accuracy=accuracy, chance=0.601)) is None


def test_a_small_test_set_gives_one_caveat_not_two():
    notes = caveats(_payload(5))
    assert sum("test records" in note for note in notes) == 1


def test_the_report_legend_names_the_accuracy_caveats(tmp_path, capsys):
    # a row marked (read with care) for its test accuracy alone was explained as "its
    # leakage may be understated or its ε no guarantee", neither of which was so
    from mia_defense.cli.report import main
    from tests.report.fake_runs import make_run, rewrite_results

    run = tmp_path / "run"
    make_run(run, test_accuracy=0.8, signal=1.0, test_accuracy_std=0.0,  # (4 of 5 each)
             chance_accuracy=0.2)
    rewrite_results(run, lambda p: p.update(test_size=5))
    out = tmp_path / "report"
    main([str(run), "-o", str(out), "--no-charts", "--no-tensorboard"])
    assert "or its test accuracy not established" in capsys.readouterr().out
    summary = (out / "README.md").read_text()
    assert "or its test accuracy not established (a small test set" in summary


def test_a_run_not_established_above_chance_warns(caplog):
    from mia_defense.pipeline.record import warn_near_chance

    with caplog.at_level(logging.WARNING):
        warn_near_chance({"test_accuracy": 0.633, "chance_accuracy": 0.601}, 143)
    assert "test accuracy 0.633 is not established above chance 0.601" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        warn_near_chance({"test_accuracy": 0.893, "chance_accuracy": 0.601}, 143)
        warn_near_chance({"test_accuracy": 0.5, "chance_accuracy": 0.601}, 143)  # no verdict
        warn_near_chance({"test_accuracy": float("nan"), "chance_accuracy": 0.601}, 0)
        # a source run's results.json may carry no test size (mia-attack on it)
        warn_near_chance({"test_accuracy": 0.633, "chance_accuracy": 0.601}, None)
    assert caplog.text == ""
