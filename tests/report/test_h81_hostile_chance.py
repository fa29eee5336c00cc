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
    # chance_accuracy kept tells 0.9 above chance; the flag or num_classes alone cannot
    # (a flag is edited as easily, and 1/num_classes is only chance's floor)
    assert sorted(r.name for r in loaded.runs) == ["chance"]
    reasons = {r.name: why for r, why in loaded.unranked}
    assert reasons.pop("none") == (
        "test accuracy 0.105 cannot be told above chance: results.json has no "
        "utility.chance_accuracy, num_classes or utility_below_chance (deleted, or written by "
        "a tool of your own); no privacy verdict for a model that may have learned nothing: "
        "rerun it")  # fmt: skip
    assert sorted(reasons) == ["classes", "flag"]
    for why in reasons.values():
        assert why.startswith("cannot tell it is a valid run: utility.chance_accuracy is "
                              "missing"), why  # fmt: skip


def _slices(payload, counts):
    payload["slices"] = {payload["strongest_attack"]: {
        f"class_{c}": {"records": n, "nonmember_scores": n} for c, n in enumerate(counts)}}


def test_a_nonmember_count_deleted_keeps_the_resolution_caveat(tmp_path):
    # 200 non-member scores under a TPR at 0.1% FPR: the caveat went with the field
    cases = {
        "sliced": lambda p: _slices(p, (120, 80)),
        "bounded": lambda p: p.update(population_size=40),  # 4 models x 40 records
        "bare": lambda p: None,
    }
    for seed, (name, change) in enumerate(cases.items()):
        run = tmp_path / name
        make_run(run, test_accuracy=0.9, signal=2.0, seed=seed, nonmember_scores=200)
        rewrite_results(run, lambda p, c=change: (c(p), p.pop("nonmember_scores")))
    loaded = load_runs([tmp_path])
    notes = {r.name: n for r, n in loaded.caveats if "nonmember" in n or "non-member" in n}
    assert notes["sliced"].startswith(
        "its tpr@0.1%fpr rests on its class slices' 200 non-member scores, fewer than 1/FPR")
    assert notes["bounded"].startswith("its tpr@0.1%fpr rests on at most 160 non-member scores")
    assert notes["bare"].startswith(
        "results.json records no nonmember_scores (deleted, or written before runs recorded "
        "it): whether its tpr@0.1%fpr rests on the 1000 non-member scores")


def test_a_nonmember_count_raised_against_its_class_slices_is_skipped(tmp_path):
    for name, count in (("kept", 200), ("raised", 1000)):
        run = tmp_path / name
        make_run(run, test_accuracy=0.9, signal=2.0, seed=count, nonmember_scores=count)
        rewrite_results(run, lambda p: _slices(p, (120, 80)))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    assert dict(loaded.skipped)[tmp_path / "raised"] == (
        "nonmember_scores is 1000, but the class slices of its strongest attack (slices.lira."
        "class_*.nonmember_scores) sum to 200: the file was edited; rerun the run")


def test_a_test_size_deleted_or_raised_keeps_the_small_test_set_caveat(tmp_path):
    # plan.test_size=5: 0.800 on 5 records; test_size deleted dropped the caveat, raised to
    # 500 it read as an accuracy measured on 500 records
    for seed, (name, change) in enumerate((("kept", lambda p: None),
                                           ("deleted", lambda p: p.pop("test_size")),
                                           ("raised", lambda p: p.update(test_size=500)))):
        run = tmp_path / name
        make_run(run, test_accuracy=0.8, signal=1.0, test_accuracy_std=0.0, seed=seed,
                 chance_accuracy=0.2, config={"plan.test_size": 5})  # fmt: skip
        rewrite_results(run, lambda p, c=change: (p.update(test_size=5), c(p)))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["deleted", "kept"]
    notes = {r.name: n for r, n in loaded.caveats if "test records" in n}
    assert notes["deleted"] == notes["kept"]
    assert notes["kept"].startswith("its test accuracy 0.800 rests on 5 test records")
    assert dict(loaded.skipped)[tmp_path / "raised"] == (
        "test_size is 500, but config.plan.test_size, which drew the test set, is 5: the "
        "file was edited; rerun the run")
