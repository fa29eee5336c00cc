"""h396: mia-attack held the DP claim to the one-run audit's bound recomputed from the
counts results.json records, and printed the recorded ε: a run of mia-train defense=dp
attack.audit=one_run defense.dp.delta=1e-6 defense.dp.target_epsilon=1 (white-box ε >= 0.354,
994/1600 guesses right) whose results.json had correct raised to 1600 printed 'ε >= 0.354
(... 1600/1600 guesses right)' beside 'DP CLAIM REFUTED: measured ε >= 4.1'. A side whose ε
is not what its counts give is now refused, as other figures changed after the run are."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mia_defense.attack_source_facts import _privacy_problem
from mia_defense.audit.one_run import _bound_entry
from mia_defense.metrics.one_run_audit import one_run_bound


def _privacy(side: str) -> dict:
    """A DP run's privacy block with a one-run audit side as mia-train writes it (through
    JSON, as mia-attack reads it)."""
    rng = np.random.default_rng(0)
    truth = rng.random(4000) < 0.5
    bound = one_run_bound(truth + rng.normal(0, 0.6, 4000), truth, delta=1e-6)
    entry = _bound_entry(bound, score="test")
    return json.loads(json.dumps({"epsilon": 8.0, "delta": 1e-6, "audit": {
        "method": "one_run", "confidence": 0.95, "delta": 1e-6, "accountant_epsilon": 8.0,
        side: entry}}))  # fmt: skip


@pytest.mark.parametrize("side", ["white_box", "black_box"])
def test_the_audit_as_written_is_carried(side):
    assert _privacy_problem(_privacy(side)) is None


@pytest.mark.parametrize("side", ["white_box", "black_box"])
@pytest.mark.parametrize("edit", ["correct", "epsilon"])
def test_an_audit_whose_epsilon_and_counts_disagree_is_refused(side, edit):
    privacy = _privacy(side)
    entry = privacy["audit"][side]
    if edit == "correct":
        entry["correct"] = entry["guesses"]  # every guess right: a far higher bound
    else:
        entry["epsilon"] = entry["epsilon"] + 3.0
    problem = _privacy_problem(privacy)
    assert problem is not None and problem.startswith(f"privacy.audit.{side}.epsilon is ")
    assert problem.endswith("a figure was changed after the run")
