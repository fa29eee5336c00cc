"""rmia with few population samples z ties its top scores (num_z + 1 values): 1eaf63de warned
of it as rmia ran, but the end-of-run note on tied scores (mia-train, mia-attack,
api.Audit.table) and mia-report's still put them down to 'coarse released outputs' and said
'raise plan.num_models or plan.population_size', neither of which helps (mia-train
plan.num_models=8 train.epochs=5 attack.attacks.rmia.num_z=10 with rmia alone: 85 of 4000
non-member scores tied, TPR 0.000 at 0.1% and 1% FPR). Both notes now name num_z and its
fix where the attack's settings show it (h392)."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.report.checks import resolution_note
from tests.helpers import synthetic_observations

_OTHERS = ("loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
           "shokri", "lira_online", "lira_offline", "lira_online_augmented", "label_only",
           "gradient_norm")  # fmt: skip
_CAUSE = ("rmia num_z=10: a record's score is the share of 10 population samples it beats, "
          "11 values at most")  # fmt: skip
_FIX = "attack.attacks.rmia.num_z=null, to compare with all 1200 population samples"


@pytest.fixture(scope="module")
def audit():
    obs = synthetic_observations(num_models=8, num_samples=1200, signal=1.0)
    return api.audit(obs, overrides=[*(f"~attack.attacks.{n}" for n in _OTHERS),
                                     "attack.attacks.rmia.num_z=10", "attack.bootstrap=0"])


def test_the_end_of_run_note_names_num_z(audit):
    result = audit.result
    assert result.strongest_attack == "rmia" and result.attacks["rmia"]["nonmember_top_ties"]
    (note,) = [line for line in audit.table().splitlines() if "share rmia's highest" in line]
    assert f"tied scores ({_CAUSE}); compare at a higher FPR, or set {_FIX}" in note
    assert "coarse released outputs" not in note and "plan.num_models" not in note


def _payload(audit, num_z):
    result = audit.result
    return {"nonmember_scores": result.nonmember_scores, "attacks": result.attacks,
            "strongest_attack": result.strongest_attack, "population_size": 1200,
            "config": {"attack": {"attacks": {"rmia": {
                "_target_": "mia_defense.attacks.rmia", "num_z": num_z}}}}}  # fmt: skip


def test_the_report_s_note_names_num_z_where_the_config_shows_it(audit):
    note = resolution_note(_payload(audit, 10))
    assert note.startswith("its tpr@0.1%fpr rests on tied scores")
    assert f"({_CAUSE}); compare it at a higher FPR, or rerun it with {_FIX}" in note
    assert "coarse released outputs" not in note
    # (a config that does not show it: the note as before)
    other = resolution_note(_payload(audit, None))
    assert "(coarse released outputs, label-only or rounded, give few distinct scores)" in other
    assert other.endswith("rerun it with a larger plan.num_models or plan.population_size")
