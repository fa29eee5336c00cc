"""Confidence levels are printed with every digit they have: 0.999999999 is no "100%"."""

from __future__ import annotations

from mia_defense.api import audit
from mia_defense.audit import audit_lines
from mia_defense.metrics.epsilon import level_text
from tests.helpers import synthetic_observations


def test_whole_levels_read_as_before_and_others_keep_their_digits():
    assert [level_text(c) for c in (0.95, 0.5, 0.99)] == ["95%", "50%", "99%"]
    assert level_text(0.999999999) == "99.9999999%"
    assert level_text(1e-9) == "1e-07%"
    assert level_text(0.975) == "97.5%"
    assert level_text(0.999999999999) == "99.9999999999%"  # ten digits round to 100


def test_the_audit_line_never_claims_certainty():
    entry = {"epsilon": 0.0, "canaries": 400, "correct": 8, "guesses": 8}
    block = {"accountant_epsilon": 8.0, "delta": 1e-7, "confidence": 0.999999999,
             "white_box": entry, "black_box": {"skipped": "attack.audit_canaries=0"}}
    (line, _) = audit_lines({"audit": block})
    assert "99.9999999% confidence" in line and "100%" not in line


def test_the_metrics_table_names_its_interval_level_with_every_digit():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    done = audit(obs, overrides=["attack.bootstrap=20", "attack.confidence=0.999999999",
                                 "~attack.attacks.shokri"])  # fmt: skip
    header = next(line for line in done.table().splitlines() if line.startswith("attack "))
    assert "AUC [99.9999999% CI]" in header and "100%" not in header
