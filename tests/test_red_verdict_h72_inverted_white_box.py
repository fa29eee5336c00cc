"""A white-box attack whose scores rank members below non-members (an attack of one's own
on the weights with the wrong sign: AUC 0.257, flipped 0.743, beside loss's 0.533) read
"strongest white-box attack ... TPR 0.0000" and an ε bound of 0.03, without a word: the
inverted-scores check looked at black-box attacks only. It now says so apart
(``privacy.white_box_attacks_inverted``, mia-report's caveats), leaves the black-box
verdict's flag alone, and a sweeper minimising the ε bound gets the worst one."""

from __future__ import annotations

from mia_defense.pipeline.trust_checks import _check_inverted_attacks, inverted_attacks
from mia_defense.report.checks import caveats
from mia_defense.report.objectives import objectives
from tests.helpers import member_signal as _signal
from tests.helpers import scored_attack as _result
from tests.helpers import split_truth as _truth


def test_an_inverted_white_box_attack_is_flagged_apart_from_the_verdict():
    truth = _truth()
    results = {
        "loss": _result("loss", _signal(truth, 0.1, 1), truth),
        "gradient_norm": _result("gradient_norm", -_signal(truth, 1.0, 2), truth, "weights"),
    }
    assert results["gradient_norm"].metrics.auc < 0.3
    assert inverted_attacks(results, truth) == []  # the black-box verdict holds
    found = inverted_attacks(results, truth, access=("weights",))
    assert [name for name, _, _ in found] == ["gradient_norm"]
    privacy: dict = {}
    _check_inverted_attacks(privacy, results, truth)
    assert "attacks_inverted" not in privacy
    reason = privacy["white_box_attacks_inverted"]
    assert reason.startswith("gradient_norm AUC 0.")
    assert "whoever holds the weights" in reason and "empirical_epsilon" in reason
    notes = caveats({"privacy": privacy, "attacks": {}})
    assert any(note.startswith("white-box attack scores inverted") for note in notes)
    assert not any(note.startswith("attack scores inverted") for note in notes)


def test_an_inverted_white_box_attack_weaker_than_a_black_box_one_is_not_flagged():
    # whoever holds the weights runs the black-box attacks too: loss already holds the leak
    truth = _truth()
    results = {
        "loss": _result("loss", _signal(truth, 1.2, 3), truth),
        "gradient_norm": _result("gradient_norm", -_signal(truth, 0.5, 4), truth, "weights"),
    }
    assert 1 - results["gradient_norm"].metrics.auc < results["loss"].metrics.auc
    privacy: dict = {}
    _check_inverted_attacks(privacy, results, truth)
    assert privacy == {}


def test_white_box_attacks_of_no_signal_or_the_right_sign_are_never_flagged():
    truth = _truth()
    for seed in range(10):
        results = {
            "loss": _result("loss", _signal(truth, 0.0, seed), truth),
            "none": _result("none", _signal(truth, 0.0, seed + 50), truth, "weights"),
            "right": _result("right", _signal(truth, 0.6, seed + 100), truth, "weights"),
        }
        assert inverted_attacks(results, truth, access=("weights",)) == []


def test_the_black_box_reason_keeps_its_words():
    truth = _truth()
    inverted = _result("inv", -_signal(truth, 0.5, 5), truth)
    privacy: dict = {}
    _check_inverted_attacks(privacy, {"inv": inverted}, truth)
    assert privacy["attacks_inverted"].split("): ", 1)[1] == (
        "these scores rank members below non-members (higher must mean member), more "
        "strongly than any attack ranks them above; membership leaks, and the TPRs and ε bound "
        "understate it: negate the scores of an attack of your own (or check the masks) and "
        "rerun; a built-in attack's signal runs against these models' outputs"
    )


def test_a_sweeper_gets_the_worst_bound_of_a_run_with_inverted_scores():
    payload = {
        "utility": {"test_accuracy": 0.8, "chance_accuracy": 0.1},
        "attacks": {"loss": {"access": "outputs", "auc": 0.53, "tpr@0.1%fpr": 0.001},
                    "g": {"access": "weights", "auc": 0.257, "tpr@0.1%fpr": 0.0}},
        "privacy": {"empirical_epsilon": 0.03, "white_box_attacks_inverted": "g AUC 0.257"},
    }  # fmt: skip
    names = ["privacy.empirical_epsilon", "max_attack.tpr@0.1%fpr"]
    # the black-box verdict's figure stands; the bound, over every attack, does not
    assert objectives(payload, names) == [float("inf"), 0.001]
    payload["privacy"] = {"empirical_epsilon": 0.03, "attacks_inverted": "loss AUC 0.4"}
    assert objectives(payload, names) == [float("inf"), 1.0]
    payload["privacy"] = {"empirical_epsilon": 0.03}
    assert objectives(payload, names) == [0.03, 0.001]


def test_mia_attack_does_not_carry_the_source_runs_white_box_flag():
    # measured by the attack stage: a stale flag from the attacked run would outlive its attack
    from mia_defense.attack_source_facts import MEASURED_PRIVACY

    assert {"attacks_inverted", "white_box_attacks_inverted"} <= MEASURED_PRIVACY
