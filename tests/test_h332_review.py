"""Hostile review (h332) of the day's new code paths: each test fails without its fix."""

from __future__ import annotations

import pytest

from mia_defense.report.checks.provenance import _test_size_problem


@pytest.mark.parametrize("audit, size, edited", [
    ("one_run", 100, False),  # 426 + 100 audit canaries; 43 test rows taken (143 -> 100)
    ("one_run", 40, True),
    ("none", 100, True),
])
def test_the_one_run_audits_canaries_are_counted_as_the_split_drew(audit, size, edited):
    # mia-train dataset=breast_cancer attack.audit=one_run: population_size 526 counts the
    # audit's 100 canaries, which took 43 test rows; mia-report skipped the run as edited
    payload = {"test_size": size, "population_size": 526 if audit == "one_run" else 426,
               "canaries": 0,
               "config": {"plan": {"population_size": None, "test_size": None},
                          "attack": {"canaries": {"num": 0, "kind": "mislabeled"},
                                     "audit": audit, "audit_canaries": 100}}}
    assert (_test_size_problem(payload) is not None) == edited
