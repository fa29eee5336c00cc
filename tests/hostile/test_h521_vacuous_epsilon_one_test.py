"""Whether an ε is vacuous (above `MAX_TARGET_EPSILON`, where it guarantees nothing) had three
copies of its test (helper 521): `mia_defense.report.objectives.epsilon_vacuous` (the
report's caveat, HParams' column, a search's objective), and two of their own in
mia-train's warning (`mia_defense.defenses.dp._warn_meaningless_epsilon`) and the ε chart's
note (`mia_defense.tracking.tensorboard._vast_epsilon_note`), which a change to the rule
would have left behind. Both ask `epsilon_vacuous` now: a rule changed there reaches them."""

from __future__ import annotations

import importlib
import logging

import pytest

from mia_defense.defenses import DPSGD, accounting
from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.tracking.tensorboard import _vast_epsilon_note

_RATE, _STEPS, _DELTA = 0.064, 469, 1e-4
# (the module: mia_defense.report.objectives is its function `objectives` as an attribute)
_OBJECTIVES = importlib.import_module("mia_defense.report.objectives")


def _report(caplog, sigma: float) -> list[str]:
    epsilon = accounting.epsilon_spent("rdp", ((sigma, _RATE, _STEPS),), _DELTA)
    stats = {"noise_multiplier": sigma, "sample_rate": _RATE, "steps": _STEPS,
             "delta": _DELTA, "epsilon": epsilon}  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        DPSGD(noise_multiplier=sigma).privacy_report([stats], dataset={})
    return [r.getMessage() for r in caplog.records if "guarantees nothing" in r.getMessage()]


@pytest.mark.parametrize("vacuous", [True, False])
def test_the_warning_and_the_chart_note_ask_epsilon_vacuous(caplog, monkeypatch, vacuous):
    # σ 1.1 spends a guarantee, σ 0.01 ε ~1e5: the rule, changed, decides for both
    monkeypatch.setattr(_OBJECTIVES, "epsilon_vacuous", lambda epsilon: vacuous)
    for sigma in (1.1, 0.01):
        assert bool(_report(caplog, sigma)) is vacuous, sigma
    for epsilon in (2.0, 10 * MAX_TARGET_EPSILON):
        assert bool(_vast_epsilon_note("epsilon", [epsilon])) is vacuous, epsilon


def test_as_the_rule_stands_they_read_as_before(caplog):
    assert _report(caplog, 0.01) and not _report(caplog, 1.1)
    assert _vast_epsilon_note("epsilon", [1.0, 10 * MAX_TARGET_EPSILON])
    assert not _vast_epsilon_note("epsilon", [1.0, MAX_TARGET_EPSILON, float("inf")])
