"""A results.json without its ``privacy`` section (optional: runs of older versions and
hand-made files lack it) is read like one with an empty section; the DP-claim check ended
mia-report, and studies 3 and 4's scripts, in ``KeyError: 'privacy'``."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_run_without_a_privacy_section_is_ranked_not_a_traceback(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "plain", test_accuracy=0.9, signal=2.0)
    rewrite_results(sweep / "plain", lambda p: p.pop("privacy", None))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["plain"] and not loaded.skipped
