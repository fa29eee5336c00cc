"""defense.advreg.attack_lr too high for the inference models to stay finite-gradient but not
so high that they overflow (``mia-train defense=advreg plan.reference_size=100
defense.advreg.attack_lr=1e4``, or 1e10): after their first Adam steps their membership
scores are so large that the sigmoid is exactly 0 or 1 in float32 on every member, so the
gain ``strength * mean(sigmoid(h(...)))`` gave the classifiers a zero gradient on every step
of the game. They trained as without the defense, and the run was reported as defended by
advreg, without a word."""

from __future__ import annotations

from mia_defense.defenses import AdversarialRegularization
from mia_defense.defenses.advreg import PULLED_STEPS
from tests.defenses.reference_runs import train_three


def _stats(defense: AdversarialRegularization) -> list[dict[str, float]]:
    _, histories = train_three(lambda: [defense], stacked=True)
    return [h.stats for h in histories]


def test_a_saturated_inference_model_is_said_to_leave_the_models_undefended():
    defense = AdversarialRegularization(attack_lr=1e10)
    stats = _stats(defense)
    assert [s[PULLED_STEPS] for s in stats] == [0, 0, 0]
    assert defense.idle_models(stats) == 3
    reason = defense.idle_reason(stats, epochs=2)
    assert reason is not None
    assert reason.startswith("defense.advreg.attack_lr=1e+10: ")
    assert "3 of the 3 model(s)" in reason
    assert "trained as without the defense" in reason
    assert "lower defense.advreg.attack_lr" in reason


def test_the_default_game_pulls_every_model():
    defense = AdversarialRegularization()
    stats = _stats(defense)
    assert all(s[PULLED_STEPS] > 0 for s in stats)
    assert defense.idle_models(stats) is None
    assert defense.idle_reason(stats, epochs=2) is None


def test_models_trained_before_the_stat_was_kept_are_left_out():
    defense = AdversarialRegularization(attack_lr=1e10)
    assert defense.idle_reason([{}, {PULLED_STEPS: 4.0}], epochs=2) is None
    assert defense.idle_models([{}, {PULLED_STEPS: 0.0}, {PULLED_STEPS: 2.0}]) == 1
