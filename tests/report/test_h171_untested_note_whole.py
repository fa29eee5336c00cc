"""The report's "DP claim untested" caveat cut mia-defense's own reasons at 400 characters.

Measured (mia-report of `mia-train -m +experiment=tradeoff_all plan.num_models=4
train.epochs=10`): the note of defense=[dp],release=full ended "... at a lower
defense.dp.delta, can …", the way to test the claim cut off, where the label-only run's
(its attack's name shorter) ended "can test it".
"""

from __future__ import annotations

import pytest

from mia_defense.report.checks import caveats

# privacy.epsilon_untested of the sweep's defense=[dp],release=full run, as recorded
SMALL_PLAN = (
    "too few decisions to test the accountant's ε 8: even a perfect attack or audit could "
    "show at most ε >= 5.78 here (attack modified_entropy_class, 95% over all 12 attacks), "
    "so epsilon_refuted false is no evidence that the claim holds; more target models or "
    "records (plan.num_models, plan.population_size, attack.num_targets), or a one-run audit "
    "(attack.audit=one_run) at a lower defense.dp.delta, can test it"
)


# the same with a user's attack of a longer name, or the one-run audit's evidence
LONGER = SMALL_PLAN.replace("modified_entropy_class", "my_package.attacks.calibrated_loss")


@pytest.mark.parametrize("reason", [SMALL_PLAN, LONGER])
def test_the_untested_note_keeps_the_whole_reason(reason):
    assert len(reason) > 400
    payload = {
        "attacks": {},
        "privacy": {"epsilon": 8.0, "epsilon_valid": True, "epsilon_untested": reason},
    }
    notes = [n for n in caveats(payload) if n.startswith("DP claim untested: ")]
    assert notes == [f"DP claim untested: {reason}"]


def test_a_reason_of_a_hostile_length_is_still_cut():
    payload = {"attacks": {}, "privacy": {"epsilon": 8.0, "epsilon_untested": "x" * 5000}}
    (note,) = [n for n in caveats(payload) if n.startswith("DP claim untested: ")]
    assert len(note) < 1000 and note.endswith("…")
