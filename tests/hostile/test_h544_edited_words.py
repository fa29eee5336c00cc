"""mia-report's refusal of a DP claim that contradicts its own fields ended '...; not a DP
claim mia-defense wrote (edited?): rerun the run', where every other check of an edited
results.json ends ': the file was edited; rerun the run' (helper 544). Both read the one
phrase now (`mia_defense.report.checks.doubt.EDITED`); what is refused is unchanged."""

from __future__ import annotations

import json

from mia_defense.report import load_runs
from mia_defense.report.checks.doubt import EDITED, edited
from tests.report.fake_runs import dp_payload


def test_the_phrase_is_the_other_checks():
    assert EDITED == "the file was edited; rerun the run"
    assert edited("privacy.delta is 2") == f"privacy.delta is 2: {EDITED}"


def test_a_contradicted_dp_claim_is_refused_in_the_one_phrase(tmp_path):
    payload = dp_payload(tmp_path / "edited", 2.0, rate=0.125, steps=8, delta=1e-4)
    payload["privacy"]["per_model"][0]["epsilon"] *= 0.5  # (an ε lowered by hand)
    (tmp_path / "edited" / "results.json").write_text(json.dumps(payload))
    loaded = load_runs([tmp_path])
    reason = dict(loaded.skipped)[tmp_path / "edited"]
    assert reason.startswith("privacy.per_model[0].epsilon is "), reason
    assert reason.endswith(f": {EDITED}") and "(edited?)" not in reason, reason
