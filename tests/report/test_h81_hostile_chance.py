"""Figures a user can delete from results.json that decide a caveat or the ranking: a run
that no longer says what chance is, or how many non-member scores its TPRs rest on, lost
the verdict's guard with the field."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _drop(*keys):
    def change(payload):
        for key in keys:
            payload.pop(key, None)
            payload["utility"].pop(key, None)

    return change


def test_a_run_without_any_chance_figure_is_not_ranked(tmp_path):
    # a 10-class model at 0.105 (chance 0.112): with chance_accuracy, num_classes and
    # utility_below_chance deleted it was ranked, its attacks at chance read as private
    for name, kept in (("none", ()), ("flag", ("utility_below_chance",)),
                       ("classes", ("num_classes",)), ("chance", ("chance_accuracy",))):
        run = tmp_path / name
        make_run(run, test_accuracy=0.105 if name == "none" else 0.9, signal=0.0,
                 chance_accuracy=0.1, seed=len(kept) + len(name))  # fmt: skip
        rewrite_results(run, lambda p: p.update(num_classes=10))
        dropped = {"utility_below_chance", "num_classes", "chance_accuracy"} - set(kept)
        rewrite_results(run, _drop(*dropped))
    loaded = load_runs([tmp_path])
    assert sorted(r.name for r in loaded.runs) == ["chance", "classes", "flag"]
    assert {r.name: why for r, why in loaded.unranked} == {"none": (
        "test accuracy 0.105 cannot be told above chance: results.json has no "
        "utility.chance_accuracy, num_classes or utility_below_chance (deleted, or written by "
        "a tool of your own); no privacy verdict for a model that may have learned nothing: "
        "rerun it")}  # fmt: skip
