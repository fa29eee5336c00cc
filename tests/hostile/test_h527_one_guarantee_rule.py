"""Whether an ε is a guarantee was decided twice (helper 527): a search's objective
(`mia_defense.report.objectives.objectives`: epsilon_refuted, epsilon_valid, epsilon_vacuous
and epsilon_doubted asked one after another) and HParams' ε column
(`mia_defense.tracking.hparams._no_guarantee`: the headline's flags read apart), so a change
to the rule in one left the other saying otherwise. Both ask
`epsilon_guarantees_nothing` now: the rule, changed there, decides for both."""

from __future__ import annotations

import importlib
import math

import pytest

from mia_defense.report.objectives import objectives
from mia_defense.tracking.hparams import EPSILON, EPSILON_NO_GUARANTEE, comparison_metrics

# (the module: mia_defense.report.objectives is its function `objectives` as an attribute)
_OBJECTIVES = importlib.import_module("mia_defense.report.objectives")
# a run within its target, as mia-train writes it (test_h521's payload of a guarantee)
_SOUND = {"privacy": {"epsilon": 2.0, "epsilon_valid": True, "epsilon_refuted": False}}
# a run whose ε its accountant says is none for the mechanism that ran
_INVALID = {"privacy": {"epsilon": 2.0, "epsilon_valid": False, "epsilon_refuted": False}}


def _headline(payload) -> dict:
    return {f"privacy/{k}": v for k, v in payload["privacy"].items()}


@pytest.mark.parametrize("no_guarantee", [True, False])
def test_the_objective_and_the_hparams_column_ask_one_rule(monkeypatch, no_guarantee):
    monkeypatch.setattr(_OBJECTIVES, "epsilon_doubted", lambda payload: False)
    monkeypatch.setattr(_OBJECTIVES, "epsilon_guarantees_nothing",
                        lambda epsilon, **flags: no_guarantee, raising=False)  # fmt: skip
    for payload in (_SOUND, _INVALID):
        [value] = objectives(payload, ["privacy.epsilon"])
        assert math.isinf(value) is no_guarantee, payload
        [tag] = comparison_metrics(_headline(payload))
        assert (tag == EPSILON_NO_GUARANTEE) is no_guarantee, payload


def test_as_the_rule_stands_they_read_as_before(monkeypatch):
    monkeypatch.setattr(_OBJECTIVES, "epsilon_doubted", lambda payload: False)
    assert objectives(_SOUND, ["privacy.epsilon"]) == [2.0]
    assert list(comparison_metrics(_headline(_SOUND))) == [EPSILON]
    assert objectives(_INVALID, ["privacy.epsilon"]) == [math.inf]
    assert list(comparison_metrics(_headline(_INVALID))) == [EPSILON_NO_GUARANTEE]
    assert list(comparison_metrics(_headline(_SOUND), doubted=True)) == [EPSILON_NO_GUARANTEE]
