"""With the full attack suite and rmia at few population samples (api.audit of 8 synthetic
models on 1200 records, attack.attacks.rmia.num_z=10), lira_online is the strongest attack
and rmia's tied scores showed only in the table's 'tied scores span the FPR' note ('rmia
0.1%/1% -> 0%, 10% -> 4.5%'), which said 'compare at another FPR (attack.fprs) or by the
AUC' and not that rmia's own num_z ties them (the note on the strongest attack's ties names
it: test_h392_rmia_tie_note_cause). It now names the setting and its fix too (helper
h431)."""

from __future__ import annotations

import pytest

from mia_defense import api
from tests.helpers import synthetic_observations

READ_BELOW = "NOTE: tied scores span the FPR"


@pytest.fixture(scope="module")
def audit():
    obs = synthetic_observations(num_models=8, num_samples=1200, signal=1.0)
    return api.audit(obs, overrides=["attack.attacks.rmia.num_z=10", "attack.bootstrap=0"])


def test_the_read_below_note_names_rmia_s_num_z(audit):
    result = audit.result
    assert result.strongest_attack != "rmia"  # (its ties are not the strongest's note)
    (note,) = [line for line in audit.table().splitlines() if line.startswith(READ_BELOW)]
    assert ": rmia 0.1%" in note
    cause, fix = result.tie_causes["rmia"]
    assert fix.startswith("attack.attacks.rmia.num_z=null")
    assert note.endswith(f"or by the AUC; or set {fix} ({cause})")
