"""An attack whose scores rank members below non-members (a sign error: an attack of one's
own returning the loss, higher meaning non-member) gave AUC 0.436 [0.398, 0.479] and TPR
0.0025 at 0.1% FPR, and the run read "strongest attack ... TPR 0.0025": no leak, and no word
that flipping its scores shows one (AUC 0.564). The run now says so in
``privacy.attacks_inverted``, and mia-report lists the run under its caveats."""

from __future__ import annotations

from dataclasses import replace

from mia_defense.pipeline.trust_checks import _check_inverted_attacks, inverted_attacks
from mia_defense.report.checks import caveats
from tests.helpers import member_signal as _signal
from tests.helpers import scored_attack as _result
from tests.helpers import split_truth as _truth


def test_an_attack_of_the_wrong_sign_is_reported_as_a_leak_not_as_none():
    truth = _truth()
    inverted = _result("inv", -_signal(truth, 0.5, 1), truth)
    assert inverted.metrics.auc < 0.4
    privacy: dict = {}
    _check_inverted_attacks(privacy, {"inv": inverted}, truth)
    reason = privacy["attacks_inverted"]
    assert reason.startswith("inv AUC 0.")
    assert "rank members below non-members" in reason and "negate" in reason
    payload = {"privacy": privacy, "attacks": {}}
    assert any(note.startswith("attack scores inverted") for note in caveats(payload))


def test_an_inverted_attack_weaker_than_the_best_one_is_not_flagged():
    # entropy below 0.5 beside a loss attack that finds more: the verdict already has the leak
    truth = _truth()
    strong = _result("loss", _signal(truth, 1.0, 2), truth)
    weak = _result("entropy", -_signal(truth, 0.4, 3), truth)
    assert 1 - weak.metrics.auc < strong.metrics.auc
    assert inverted_attacks({"loss": strong, "entropy": weak}, truth) == []


def test_attacks_of_no_signal_or_the_right_sign_are_never_flagged():
    truth = _truth()
    for seed in range(20):
        results = {
            "none": _result("none", _signal(truth, 0.0, seed), truth),
            "right": _result("right", _signal(truth, 0.5, seed + 100), truth),
        }
        assert inverted_attacks(results, truth) == []
    privacy: dict = {}
    _check_inverted_attacks(privacy, results, truth)
    assert "attacks_inverted" not in privacy


def test_an_inverted_white_box_attack_does_not_speak_for_the_verdict():
    truth = _truth()
    grads = _result("gradient_norm", -_signal(truth, 0.5, 4), truth, access="weights")
    loss = _result("loss", _signal(truth, 0.0, 5), truth)
    assert inverted_attacks({"gradient_norm": grads, "loss": loss}, truth) == []


def test_a_small_sample_below_chance_is_not_called_inverted():
    # 20 records: AUC 0.35 is within the noise of no signal
    truth = _truth(targets=1, records=20)
    scores = _signal(truth, 0.0, 6)
    result = _result("loss", scores, truth)
    if result.metrics.auc > 0.5:
        result = _result("loss", -scores, truth)
    assert inverted_attacks({"loss": result}, truth) == []


def test_a_sweeper_gets_the_worst_leakage_of_a_run_with_inverted_scores():
    # a defense that overshoots (members' loss pushed above the non-members') read as AUC
    # 0.436, TPR 0.0025: a search minimising leakage would converge on it
    from mia_defense.report import objectives

    payload = {
        "utility": {"test_accuracy": 0.8, "chance_accuracy": 0.1},
        "attacks": {"inv": {"auc": 0.436, "tpr@0.1%fpr": 0.0025}},
        "privacy": {"attacks_inverted": "inv AUC 0.436 ..."},
    }
    names = ["utility.test_accuracy", "max_attack.auc", "max_attack.tpr@0.1%fpr"]
    assert objectives(payload, names) == [0.8, 1.0, 1.0]
    payload["privacy"] = {}
    assert objectives(payload, names) == [0.8, 0.436, 0.0025]


def test_an_inverted_attack_barely_above_the_best_is_not_flagged():
    # entropy 0.421 (flipped 0.579) beside loss at 0.575 on models trained one epoch: the
    # verdict already holds that leak; flagging it handed a sweeper the worst leakage
    truth = _truth(targets=4, records=2000)
    entropy = _result("entropy", -_signal(truth, 0.35, 8), truth)
    assert entropy.intervals.auc[1] < 0.5
    measured = _result("loss", _signal(truth, 0.35, 7), truth)
    loss = replace(measured, metrics=replace(measured.metrics, auc=1 - entropy.metrics.auc - 0.002))
    assert inverted_attacks({"loss": loss, "entropy": entropy}, truth) == []
    # well above the best attack, it is
    loss = replace(measured, metrics=replace(measured.metrics, auc=1 - entropy.metrics.auc - 0.05))
    assert [n for n, _, _ in inverted_attacks({"loss": loss, "entropy": entropy}, truth)] == [
        "entropy"
    ]
