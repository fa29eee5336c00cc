"""defense.advreg.attack_lr=100: the inference models' scores grow so large that the gain's
gradient on the classifiers is tiny but not exactly 0 on some steps of the game (about 1e-29
on digits; here up to 6e-9 of the cross-entropy's), so float32 rounds it away beside the
cross-entropy's and the models train as without the defense; d410368f counted only an
exactly zero gradient (p(1-p) > 0), so those steps counted as pulled and the run was not
flagged."""

from __future__ import annotations

import pytest

from mia_defense.defenses import AdversarialRegularization
from mia_defense.defenses.advreg import PULLED_STEPS
from tests.defenses.reference_runs import train_three


@pytest.mark.parametrize("stacked", [True, False], ids=["stacked", "module"])
def test_a_gain_float32_rounds_away_is_said_to_leave_the_models_undefended(stacked):
    defense = AdversarialRegularization(attack_lr=100)
    _, histories = train_three(lambda: [defense], stacked=stacked)
    stats = [h.stats for h in histories]
    assert [s[PULLED_STEPS] for s in stats] == [0, 0, 0]
    assert defense.idle_models(stats) == 3
    reason = defense.idle_reason(stats, epochs=2)
    assert reason is not None and reason.startswith("defense.advreg.attack_lr=100: ")
    assert "trained as without the defense" in reason


def test_a_game_that_pulls_is_counted_at_a_high_but_working_attack_lr():
    defense = AdversarialRegularization(attack_lr=0.1)  # (its gain: 1-10% of the CE's pull)
    _, histories = train_three(lambda: [defense], stacked=True)
    assert all(h.stats[PULLED_STEPS] > 0 for h in histories)
