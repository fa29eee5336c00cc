"""``nonmember_scores`` edited to hide the caveat on a TPR below the resolution of its
scores: a count beyond the run's own scores (num_models x population_size), or 0 beside
TPR figures (the caveat is given for none, "no TPR at all"), ranked the run without it."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_nonmember_count_the_run_cannot_have_is_skipped(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "small", test_accuracy=0.9, signal=2.0, nonmember_scores=200)
    rewrite_results(sweep / "small", lambda p: p.update(population_size=200))
    for seed, (name, count) in enumerate((("inflated", 10**6), ("zero", 0)), start=1):
        make_run(sweep / name, test_accuracy=0.9, signal=2.0, seed=seed, nonmember_scores=count)
        rewrite_results(sweep / name, lambda p: p.update(population_size=200))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["small"]
    assert any("rests on 200 non-member scores" in note for _, note in loaded.caveats)
    reasons = dict(loaded.skipped)
    assert reasons[sweep / "inflated"] == (
        "nonmember_scores is 1000000, more than its 4 models' scores of its 200 records "
        "(num_models x population_size): the file was edited; rerun the run"
    )
    assert reasons[sweep / "zero"].startswith("nonmember_scores is 0, yet attacks.loss.tpr@")
