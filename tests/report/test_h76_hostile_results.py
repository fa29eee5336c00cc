"""Hand-edited results.json read by mia-report (helper 76): a count too large for a float
ended in a traceback, and a leakage figure deleted from the attacks that leak left the run
on the front as the least leaky, without a word."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_test_size_too_large_for_a_float_skips_the_run_with_the_reason(tmp_path):
    make_run(tmp_path / "sweep" / "good", test_accuracy=0.9, signal=2.0)
    run = tmp_path / "sweep" / "huge"
    make_run(run, test_accuracy=0.9, signal=2.0, seed=1)
    rewrite_results(run, lambda p: p.update(test_size=10**400))  # (OverflowError before)
    loaded = load_runs([tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["good"]
    reasons = {p.name: why for p, why in loaded.skipped}
    assert reasons["huge"] == "test_size is an integer of 401 digits, too large for a count"
