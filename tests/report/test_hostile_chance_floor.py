"""A results.json without its ``chance_accuracy`` (dropped, or null) whose test accuracy is
at or below 1/num_classes learned nothing: mia-report ranked it, its attacks at chance read
as a private model on the front. The class count bounds chance from below."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_run_at_one_over_its_classes_without_a_chance_figure_is_not_ranked(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "good", test_accuracy=0.9, signal=2.0)
    for name, chance in (("dropped", ...), ("null", None)):
        run = sweep / name
        make_run(run, test_accuracy=0.08, signal=0.0, seed=1 if name == "null" else 2)

        def change(p, chance=chance):
            p.update(num_classes=10, utility_below_chance=False)
            if chance is not ...:
                p["utility"]["chance_accuracy"] = chance
            else:
                del p["utility"]["chance_accuracy"]

        rewrite_results(run, change)
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["good"]
    reasons = {r.name: why for r, why in loaded.unranked}
    for name in ("dropped", "null"):
        assert reasons[name] == (
            "test accuracy 0.080 is not above chance (at least 1/10 = 0.100, one class of "
            "num_classes); no privacy verdict for a useless model"
        )


def test_a_run_above_one_over_its_classes_without_a_chance_figure_is_not_ranked(tmp_path):
    # 0.3 is above 1/10, but chance, the majority class's share, may be above 0.3 (an
    # unbalanced test set): only chance_accuracy tells, so no verdict without it
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.3, signal=1.0)
    rewrite_results(run, lambda p: (p.update(num_classes=10), p["utility"].pop("chance_accuracy")))
    loaded = load_runs([run])
    assert not loaded.runs
    assert dict((r.name, why) for r, why in loaded.unranked)["run"].startswith(
        "cannot tell it is a valid run: utility.chance_accuracy is missing in results.json")
