"""``utility.test_accuracy_std`` (the report's interval over the K models rests on it) and
``test_accuracy_median`` (it decides ``utility_below_chance``) edited by hand: no headline
copy holds them, but each model is right on a whole number of the test records, which the
figures must add up to."""

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results

# 6 models right on 620, 640, 600, 630, 610 and 680 of 797 test records (ddof 0, as
# mia-train writes them)
HITS = (620, 640, 600, 630, 610, 680)
SIZE = 797


def _utility(hits=HITS):
    mean = sum(hits) / (len(hits) * SIZE)
    std = (sum((h / SIZE - mean) ** 2 for h in hits) / len(hits)) ** 0.5
    ordered = sorted(hits)
    median = (ordered[(len(hits) - 1) // 2] + ordered[len(hits) // 2]) / 2 / SIZE
    return {"test_accuracy": mean, "test_accuracy_std": std, "test_accuracy_median": median,
            "train_accuracy": 0.9, "generalization_gap": 0.9 - mean}  # fmt: skip


def _run(run, utility, models=6):
    make_run(run, test_accuracy=0.8, signal=2.0, chance_accuracy=89 / SIZE, config={
        "plan.num_models": models})  # fmt: skip
    rewrite_results(run, lambda p: (p.update(test_size=SIZE), p["utility"].update(utility)))


@pytest.mark.parametrize(("name", "change", "reason"), [
    ("narrowed", {"test_accuracy_std": 0.005},
     "utility.test_accuracy_std is 0.005, which the hits of its 6 models on its 797 test "
     "records cannot give ((num_models x test_size x test_accuracy_std)² = 571.688100, not "),
    ("zero", {"test_accuracy_std": 0.0},
     "utility.test_accuracy_std is 0, below |test_accuracy - test_accuracy_median| = "),
    ("mean", {"test_accuracy": 0.79, "generalization_gap": 0.11},
     "utility.test_accuracy is 0.79, which is no mean of the hits of its 6 models"),
    ("median", {"test_accuracy_median": 0.7811},
     "utility.test_accuracy_median is 0.7811, which is no median of the hits of its 6 "),
])  # fmt: skip
def test_a_spread_or_median_edited_against_the_models_hits_skips_the_run(
    tmp_path, name, change, reason
):
    _run(tmp_path / "kept", _utility())
    _run(tmp_path / name, {**_utility(), **change})
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    assert dict(loaded.skipped)[tmp_path / name].startswith(reason)


def test_the_median_of_two_models_is_their_mean(tmp_path):
    utility = _utility(HITS[:2])
    _run(tmp_path / "two", {**utility, "test_accuracy_median": utility["test_accuracy"] + 1 / SIZE},
         models=2)  # fmt: skip
    assert dict(load_runs([tmp_path]).skipped)[tmp_path / "two"].startswith(
        "utility.test_accuracy_median is ")


def test_a_median_model_at_chance_is_not_ranked_whatever_the_flag(tmp_path):
    # 4 of 6 models at chance (90 of 797), two that learned: mean 0.299 above chance 0.113,
    # the median at it; mia-train flags it, the flag edited to false ranked it
    hits = (90, 90, 90, 90, 600, 470)
    _run(tmp_path / "run", _utility(hits))
    rewrite_results(tmp_path / "run", lambda p: (
        p["utility"].update(chance_accuracy=90 / SIZE), p.update(utility_below_chance=False)))
    loaded = load_runs([tmp_path])
    assert not loaded.runs
    assert dict((r.name, why) for r, why in loaded.unranked)["run"].startswith(
        "the median model's test accuracy 0.113 is not above chance")


def test_a_chance_accuracy_that_is_no_share_of_the_test_records_skips_the_run(tmp_path):
    # num_classes deleted, chance lowered from 89/797 to 0.05: the 1/num_classes floor
    # could not tell, and a model at 0.105 was ranked above chance
    _run(tmp_path / "kept", {**_utility(), "chance_accuracy": 89 / SIZE})
    _run(tmp_path / "lowered", {**_utility(), "chance_accuracy": 0.05})
    rewrite_results(tmp_path / "lowered", lambda p: p.pop("num_classes"))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    assert dict(loaded.skipped)[tmp_path / "lowered"] == (
        "utility.chance_accuracy is 0.05, which is no share of its 797 test records (test_size "
        "x chance_accuracy = 39.850000, not a whole number): a figure was changed after the "
        "run; rerun it")
