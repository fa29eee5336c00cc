"""A results.json of mia-attack above its target without ``privacy.per_model`` said the
missing per_model twice (helper 534): since epsilon_doubt says every reason (03e5950f),
mia-attack's own ('carried it ... without privacy.per_model') and the target's ('... above
defense.dp.target_epsilon ..., and results.json has no privacy.per_model to recompute it
from ... Rerun it with mia-train') both named it, each with its rerun. It is said once; the
target is still named, and a run of mia-train's own keeps the target's whole reason."""

from __future__ import annotations

from mia_defense.report.checks.doubt import epsilon_doubt

_DP = {"_target_": "mia_defense.defenses.DPSGD", "target_epsilon": 2.0, "noise_multiplier": None}


def _payload(**extra) -> dict:
    return {"privacy": {"epsilon": 5.0, "epsilon_valid": True, "accountant": "rdp"},
            "config": {"defense": {"dp": _DP}}, **extra}  # fmt: skip


def test_mia_attacks_file_names_the_missing_per_model_once():
    said = epsilon_doubt(_payload(source="x"))
    assert said.count("privacy.per_model") == 1, said
    assert said.lower().count("rerun") == 1, said
    assert "privacy.epsilon 5 is above defense.dp.target_epsilon 2" in said


def test_mia_trains_file_keeps_the_targets_reason():
    said = epsilon_doubt(_payload())
    assert said.startswith("privacy.epsilon 5 is above defense.dp.target_epsilon 2")
    assert said.count("privacy.per_model") == 1 and "Rerun it with mia-train" in said
