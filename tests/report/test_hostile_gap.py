"""A test accuracy raised by hand in results.json moved the run up the front: its
generalization_gap, written by every run as train_accuracy - test_accuracy, no longer
matches. mia-attack refused such a file; mia-report now skips it too, naming the figures."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_test_accuracy_changed_by_hand_is_skipped(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "good", test_accuracy=0.8, signal=2.0)
    make_run(sweep / "raised", test_accuracy=0.8, signal=2.0, seed=1)
    rewrite_results(sweep / "raised", lambda p: p["utility"].update(test_accuracy=0.88))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["good"]
    assert dict(loaded.skipped)[sweep / "raised"] == (
        "utility.generalization_gap is 0.1, but train_accuracy - test_accuracy is 0.9 - 0.88: "
        "a figure was changed after the run; rerun it"
    )
