"""mia-report's caveat on a run whose strongest attack read its TPR at an FPR far below the
one named (`_read_below_note`: a step of tied scores spans it) said only 'compare it at
another FPR' where rmia was that attack and its own num_z tied its scores: api.audit of 8
synthetic models on 1200 records with rmia alone at attack.attacks.rmia.num_z=200 read its
TPR@0.1%FPR at FPR 0.042%. The run table's note names num_z there (h431, d8ab001d); the
report's now does too, from the run's config as its note on top ties does (h437)."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.attacks.rmia import few_z_ties
from mia_defense.report.checks import resolution_note
from tests.helpers import synthetic_observations

_OTHERS = ("loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
           "shokri", "lira_online", "lira_offline", "lira_online_augmented", "label_only",
           "gradient_norm")  # fmt: skip
NUM_Z, RECORDS = 200, 1200


@pytest.fixture(scope="module")
def result():
    obs = synthetic_observations(num_models=8, num_samples=RECORDS, signal=1.0)
    return api.audit(obs, overrides=[*(f"~attack.attacks.{n}" for n in _OTHERS),
                                     f"attack.attacks.rmia.num_z={NUM_Z}",
                                     "attack.bootstrap=0"]).result  # fmt: skip


def _payload(result, num_z):
    return {"nonmember_scores": result.nonmember_scores, "attacks": result.attacks,
            "strongest_attack": result.strongest_attack, "population_size": RECORDS,
            "config": {"attack": {"attacks": {"rmia": {
                "_target_": "mia_defense.attacks.rmia", "num_z": num_z}}}}}  # fmt: skip


def test_the_report_s_read_below_note_names_num_z(result):
    assert result.strongest_attack == "rmia"
    read = result.attacks["rmia"]["fpr_read@0.1%fpr"]
    assert 0 < read < 0.0005  # (read below half the FPR, and not at FPR 0: no top-tie note)
    note = resolution_note(_payload(result, NUM_Z))
    assert note.startswith("its tpr@0.1%fpr is read at FPR")
    cause, fix = few_z_ties("rmia", NUM_Z, RECORDS)
    assert fix.startswith("attack.attacks.rmia.num_z=null")
    assert note.endswith(f"compare it at another FPR, or rerun it with {fix} ({cause})")


def test_a_config_that_does_not_tie_it_keeps_the_note(result):
    note = resolution_note(_payload(result, None))
    assert note.startswith("its tpr@0.1%fpr is read at FPR")
    assert note.endswith("compare it at another FPR")
