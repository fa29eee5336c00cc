"""Two results.json of one config, seeds and data are one experiment: the report keeps the
first and drops the other as a repeat. When their figures differ (a copy whose TPRs were
lowered by hand, sorted first), the edited one was ranked and the honest one dropped
without a word; the run kept now carries a caveat naming the repeat and the figure."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _lower_tprs(payload):
    for metrics in payload["attacks"].values():
        for key in metrics:
            if key.startswith("tpr@"):
                metrics[key] = 0.0


def test_a_repeat_with_other_figures_puts_a_caveat_on_the_run_kept(tmp_path):
    sweep = tmp_path / "sweep"
    for name in ("a_edited", "b_honest"):
        make_run(sweep / name, test_accuracy=0.9, signal=3.0)
    rewrite_results(sweep / "a_edited", _lower_tprs)
    # (without scores.npz to measure its TPRs on: with it, the edited run is skipped,
    # test_h289_figures_against_scores)
    (sweep / "a_edited" / "scores.npz").unlink()
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["a_edited"]
    assert [r.name for r, _ in loaded.unranked] == ["b_honest"]
    (note,) = [n for r, n in loaded.caveats if r.name == "a_edited"]
    assert note.startswith("its repeat b_honest (same config, seeds and data) gives other "
                           "figures (loss tpr@")  # fmt: skip
    assert "one results.json was edited" in note


def test_an_identical_repeat_gets_no_caveat(tmp_path):
    sweep = tmp_path / "sweep"
    for name in ("a", "b"):
        make_run(sweep / name, test_accuracy=0.9, signal=3.0)
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["a"] and loaded.caveats == []
