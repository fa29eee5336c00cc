"""Hand-edited results.json read by mia-report (helper 76): a count too large for a float
ended in a traceback, and a leakage figure deleted from the attacks that leak left the run
on the front as the least leaky, without a word."""

import math

from mia_defense.report import load_runs
from mia_defense.report.stats import estimate
from tests.report.fake_runs import make_run, rewrite_results, with_observations_digest


def test_a_test_size_too_large_for_a_float_skips_the_run_with_the_reason(tmp_path):
    make_run(tmp_path / "sweep" / "good", test_accuracy=0.9, signal=2.0)
    run = tmp_path / "sweep" / "huge"
    make_run(run, test_accuracy=0.9, signal=2.0, seed=1)
    rewrite_results(run, lambda p: p.update(test_size=10**400))  # (OverflowError before)
    loaded = load_runs([tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["good"]
    reasons = {p.name: why for p, why in loaded.skipped}
    assert reasons["huge"] == "test_size is an integer of 401 digits, too large for a count"


def test_a_leakage_figure_deleted_from_the_attacks_that_leak_is_a_caveat(tmp_path):
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.9, signal=3.0)
    leaky = payload["strongest_attack"]
    assert payload["attacks"][leaky]["tpr@0.1%fpr"] > 0

    def drop(p):  # the key deleted, not nulled: the other attack's figure alone
        del p["attacks"][leaky]["tpr@0.1%fpr"]
        for name, metrics in p["attacks"].items():
            if name != leaky:
                metrics.update({"tpr@0.1%fpr": 0.0, "tpr@0.1%fpr_ci_low": 0.0})

    rewrite_results(run, drop)
    loaded = load_runs([run])
    assert [r.name for r in loaded.runs] == ["run"]  # ranked, as with a null figure
    notes = [note for _, note in loaded.caveats]
    assert any(n.startswith(f"tpr@0.1%fpr of {leaky} is missing while other attacks have one")
               for n in notes), notes  # fmt: skip


def _fingerprinted(run, fingerprint):
    rewrite_results(run, lambda p: p.update(data_fingerprint=fingerprint))


def test_runs_that_differ_only_in_an_attack_seed_get_a_caveat_on_their_row(tmp_path):
    # -m attack.attacks.shokri.seed=0,1: one set of models (the same seed and plan) counted
    # as two seed replicates, n=2 and a narrower interval
    sweep = tmp_path / "sweep"
    for shokri in (0, 1):
        run = sweep / f"attack.attacks.shokri.seed={shokri}"
        make_run(run, test_accuracy=0.9, signal=2.0)
        _fingerprinted(run, "abc")
    other = sweep / "other"  # other seeds (other plans): replicates, no caveat
    for seed in (0, 1):
        run = other / f"seed={seed}"
        make_run(run, test_accuracy=0.8, signal=1.0, seed=seed, config={"train.lr": 0.1})
        _fingerprinted(run, f"plan{seed}")
    loaded = load_runs([sweep])
    noted = {r.name: note for r, note in loaded.caveats if "trained the same models" in note}
    assert sorted(noted) == ["attack.attacks.shokri.seed=0", "attack.attacks.shokri.seed=1"]
    assert "only attack.attacks.shokri.seed differs" in noted["attack.attacks.shokri.seed=0"]


def test_runs_of_one_seed_whose_data_seed_differs_get_no_attack_seed_caveat(tmp_path):
    for data_seed in (0, 1):
        run = tmp_path / f"dataset.seed={data_seed}"
        make_run(run, test_accuracy=0.9, signal=2.0)
        _fingerprinted(run, "abc")  # (other data would differ in it; a seed of the training)
    loaded = load_runs([tmp_path])
    assert not [note for _, note in loaded.caveats if "trained the same models" in note]


def test_a_run_folder_copied_with_its_seed_edited_is_not_a_second_replicate(tmp_path):
    models = {"checkpoints/model_0000.pt": "a" * 64, "checkpoints/model_0001.pt": "b" * 64}
    make_run(tmp_path / "seed=0", test_accuracy=0.9, signal=2.0)
    rewrite_results(tmp_path / "seed=0", lambda p: p.update(
        sha256=with_observations_digest(tmp_path / "seed=0", models)))
    make_run(tmp_path / "seed=5", test_accuracy=0.9, signal=2.0, seed=5)  # (the copy)
    rewrite_results(tmp_path / "seed=5", lambda p: p.update(
        sha256=with_observations_digest(tmp_path / "seed=5", models)))
    make_run(tmp_path / "seed=6", test_accuracy=0.9, signal=2.0, seed=6)  # a real replicate
    rewrite_results(tmp_path / "seed=6", lambda p: p.update(sha256=with_observations_digest(
        tmp_path / "seed=6",
        {"checkpoints/model_0000.pt": "c" * 64, "checkpoints/model_0001.pt": "d" * 64})))
    make_run(tmp_path / "seed=7", test_accuracy=0.9, signal=2.0, seed=7)  # config.seed alone
    rewrite_results(tmp_path / "seed=7", lambda p: p.update(
        sha256=with_observations_digest(tmp_path / "seed=7", models), seed=0))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["seed=0", "seed=6"]
    reasons = {r.name: why for r, why in loaded.unranked}
    assert reasons["seed=5"].startswith(
        "the same trained models as seed=0 (a checkpoint of the same sha256) under seed 5, "
        "where seed=0 has seed 0: ")
    assert reasons["seed=7"].startswith("the same trained models as seed=0 (a checkpoint of "
                                        "the same sha256) under seed 0 (config.seed 7)")


def _with_headline(payload):
    """The headline mia-train writes beside the figures, from the same numbers."""
    headline = {f"utility/{k}": v for k, v in payload["utility"].items()}
    for name, metrics in payload["attacks"].items():
        headline.update({f"attack/{name}/{k}": v for k, v in metrics.items() if k != "access"})
    payload["headline"] = headline


def test_a_figure_lowered_by_hand_below_its_headline_copy_skips_the_run(tmp_path):
    make_run(tmp_path / "kept", test_accuracy=0.9, signal=2.0)
    rewrite_results(tmp_path / "kept", _with_headline)
    run = tmp_path / "lowered"
    make_run(run, test_accuracy=0.9, signal=3.0, seed=1)

    def lower(p):  # every TPR at 0.1% FPR to 0: ROC-consistent, the least leaky run
        _with_headline(p)
        for metrics in p["attacks"].values():
            metrics.update({"tpr@0.1%fpr": 0.0, "tpr@0.1%fpr_ci_low": 0.0})

    payload = rewrite_results(run, lower)
    assert payload["headline"]["attack/lira/tpr@0.1%fpr"] > 0
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    reasons = {p.name: why for p, why in loaded.skipped}
    assert reasons["lowered"].startswith("attacks.")
    assert "but headline[" in reasons["lowered"]
    assert reasons["lowered"].endswith("a figure was changed after the run; rerun it")


def test_a_seed_skipped_as_edited_puts_a_caveat_on_the_seeds_of_its_row(tmp_path):
    # seed 1 leaked most; its file edited (a gap that no longer adds up) drops it from the
    # row, which then averaged seeds 0 and 2 with no word on the row
    for seed in (0, 1, 2):
        make_run(tmp_path / f"seed={seed}", test_accuracy=0.9, signal=1.0, seed=seed)
    rewrite_results(tmp_path / "seed=1", lambda p: p["utility"].update(test_accuracy=0.95))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["seed=0", "seed=2"]
    assert [p.name for p, _ in loaded.skipped] == ["seed=1"]
    noted = {r.name for r, note in loaded.caveats
             if note.startswith("another seed of its config was not ranked (first: "
                                "utility.generalization_gap")}  # fmt: skip
    assert noted == {"seed=0", "seed=2"}


def test_the_strongest_attack_marked_white_box_by_hand_skips_the_run(tmp_path):
    # marked white-box (with its config's _target_), it left the verdict: the run's TPR
    # was the weaker attack's, first on the front
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.9, signal=3.0)
    leaky = payload["strongest_attack"]

    def relabel(p):
        p["attacks"][leaky]["access"] = "weights"
        p["config"]["attack"]["attacks"][leaky] = {"_target_": "mia_defense.attacks.gradient_norm"}

    rewrite_results(run, relabel)
    loaded = load_runs([run])
    assert not loaded.runs
    assert loaded.skipped[0][1].startswith(
        f"strongest_attack '{leaky}' has access 'weights', but the run picked it among its "
        "black-box attacks")


def test_a_strongest_attack_renamed_against_its_headline_skips_the_run(tmp_path):
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.9, signal=3.0)
    weaker = next(name for name in payload["attacks"] if name != payload["strongest_attack"])

    def rename(p):
        _with_headline(p)
        strongest = p["attacks"][p["strongest_attack"]]
        p["headline"].update({f"privacy/strongest_{k}": v for k, v in strongest.items()
                              if k != "access"})  # fmt: skip
        p["strongest_attack"] = weaker

    rewrite_results(run, rename)
    loaded = load_runs([run])
    assert not loaded.runs
    assert loaded.skipped[0][1].startswith(f"strongest_attack is '{weaker}', whose ")


def test_software_split_runs_share_the_attack_seed_caveat_only_with_their_own_code(tmp_path):
    # x and y: one config and seeds on other code, each tagged [software=...] (a row of its
    # own); z: another attack seed on y's code: each was told it "trained the same models as
    # 2 other run(s)", x among them. z is now tagged with its own code too (h128: it was
    # untagged, labelled software=unknown, in a third row), so it shares y's row, and only
    # those two, which trained the same models, are told so
    for name, shokri, code in (("x", 0, "aaaa"), ("y", 0, "bbbb"), ("z", 1, "bbbb")):
        run = tmp_path / name
        make_run(run, test_accuracy=0.9, signal=2.0, config={"attack.attacks.shokri.seed": shokri})
        rewrite_results(run, lambda p, c=code: p.update(data_fingerprint="abc",
                                                        versions={"code": c}))  # fmt: skip
    loaded = load_runs([tmp_path])
    assert [bool(r.apart) for r in loaded.runs] == [True, True, True]
    assert loaded.runs[1].apart == loaded.runs[2].apart != loaded.runs[0].apart
    told = {r.name: note for r, note in loaded.caveats if "trained the same models" in note}
    assert sorted(told) == ["y", "z"]
    assert all("as 1 other run(s)" in note for note in told.values())


def test_seeds_of_one_value_without_intervals_of_their_own_get_no_interval():
    # attack.bootstrap=0: two seeds of a DP run that both measure TPR 0 made a row
    # "0.000 [0.000, 0.000]", certain of it, though neither run measured its precision
    nan = float("nan")
    e = estimate([0.0, 0.0], [(nan, nan), (nan, nan)], bounds=(0.0, 1.0))
    assert e.value == 0.0 and e.n == 2
    assert math.isnan(e.low) and math.isnan(e.high)
    spread = estimate([0.0, 0.002], [(nan, nan), (nan, nan)], bounds=(0.0, 1.0))
    assert spread.high > 0.002  # (seeds that differ: Student's t over them, as before)
    own = estimate([0.0, 0.0], [(0.0, 0.004), (0.0, 0.004)], bounds=(0.0, 1.0))
    assert own.high > 0.0  # (their own intervals combined, as before)


def test_a_chance_accuracy_lowered_below_one_over_the_classes_skips_the_run(tmp_path):
    # a 10-class model at 0.105 (majority class 0.112): chance edited to 0.05 ranked it,
    # a model that learned nothing, with a privacy verdict
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.105, signal=0.0, chance_accuracy=0.112)
    rewrite_results(run, lambda p: (p.update(num_classes=10, utility_below_chance=False),
                                    p["utility"].update(chance_accuracy=0.05)))  # fmt: skip
    loaded = load_runs([run])
    assert not loaded.runs and not loaded.unranked
    assert loaded.skipped[0][1].startswith(
        "utility.chance_accuracy is 0.05, below 1/num_classes = 0.1, the least the majority "
        "class of any test set scores")


def test_a_copy_with_its_seed_edited_and_no_checkpoints_is_told_by_its_plan(tmp_path):
    # no sha256 recorded (the checkpoints left out): the data_fingerprint, which hashes the
    # members the seed draws, still tells the copy from another seed's run
    make_run(tmp_path / "seed=0", test_accuracy=0.9, signal=2.0)
    rewrite_results(tmp_path / "seed=0", lambda p: p.update(data_fingerprint="plan0"))
    make_run(tmp_path / "seed=5", test_accuracy=0.9, signal=2.0, seed=5)
    rewrite_results(tmp_path / "seed=5", lambda p: p.update(data_fingerprint="plan0"))
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["seed=0"]
    assert dict((r.name, why) for r, why in loaded.unranked)["seed=5"].startswith(
        "the same trained models as seed=0 (the same data_fingerprint: the members the seed "
        "draws) under seed 5")


def test_a_num_classes_too_large_for_a_float_skips_the_run_with_the_reason(tmp_path):
    # 1/num_classes, the chance floor, was an OverflowError traceback
    for name, chance in (("with_chance", 0.2), ("without_chance", None)):
        run = tmp_path / name
        make_run(run, test_accuracy=0.9, signal=2.0, chance_accuracy=chance)
        rewrite_results(run, lambda p: p.update(num_classes=10**400))
    loaded = load_runs([tmp_path])
    assert not loaded.runs
    assert {p.name: why for p, why in loaded.skipped} == dict.fromkeys(
        ("with_chance", "without_chance"),
        "num_classes is an integer of 401 digits, too large for a count")
