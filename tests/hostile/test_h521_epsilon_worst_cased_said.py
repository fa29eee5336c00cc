"""mia-train said nothing when a search got infinity for ``privacy.epsilon`` (helper 521):
a refuted, invalid, doubted or vacuous ε ranked last in an Optuna search minimising ε with
no word of why, where `_say_worst_cased` names the other stand-ins ('objectives: a sweeper
gets 1.0 for utility.generalization_gap, not this run's -0.007 (results.json keeps it): ...').
It names this one too, in the same words; a sound ε and a run without a DP claim (no ε to
keep) are not named, and a search whose every trial's ε is of no guarantee is still no
search without a verdict (`sweep_end._searched_without_verdict`: privacy.epsilon is not in
`WORST_CASED`)."""

from __future__ import annotations

import json
import logging
import math

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_end import WORST_CASED, _searched_without_verdict
from mia_defense.cli.train import _say_worst_cased
from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report.objectives import objective, objectives
from tests.hostile.test_h511_above_target_without_per_model import _write
from tests.report.fake_runs import dp_payload

NAMES = ["privacy.epsilon", "utility.test_accuracy"]
OPTUNA = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"


def _said(caplog, payload: dict) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        _say_worst_cased(payload, NAMES, objectives(payload, NAMES))
    return [r.getMessage() for r in caplog.records if "privacy.epsilon" in r.getMessage()]


def _payloads(tmp_path, monkeypatch) -> dict[str, dict]:
    sound = _write(tmp_path / "sound", monkeypatch, target=8.0, per_model=False)
    privacy = sound["privacy"]
    return {
        "vacuous": dp_payload(tmp_path / "vacuous", 0.05, rate=0.125, steps=80, delta=1e-4),
        "refuted": {**sound, "privacy": {**privacy, "epsilon_refuted": True}},
        "invalid": {**sound, "privacy": {**privacy, "epsilon_valid": False,
                                         "epsilon_invalid_reason": "shuffled batches"}},
        "doubted": _write(tmp_path / "doubted", monkeypatch, target=2.0, per_model=False),
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["vacuous", "refuted", "invalid", "doubted"])
def test_an_infinite_epsilon_objective_is_said_with_why(tmp_path, monkeypatch, caplog, kind):
    payload = _payloads(tmp_path, monkeypatch)[kind]
    measured = objective(payload, "privacy.epsilon")
    assert objectives(payload, NAMES)[0] == math.inf and math.isfinite(measured)
    (said,) = _said(caplog, payload)
    assert said.startswith(f"objectives: a sweeper gets inf for privacy.epsilon, not this "
                           f"run's {measured} (results.json keeps it): its ε is no guarantee")
    assert f"or it is above {MAX_TARGET_EPSILON:g}, where ε guarantees nothing" in said


def test_a_sound_epsilon_or_none_at_all_is_not_said(tmp_path, monkeypatch, caplog):
    sound = _write(tmp_path / "sound", monkeypatch, target=8.0, per_model=False)
    assert _said(caplog, sound) == []
    without = {**sound, "privacy": {"epsilon": None}}  # (no DP claim: infinity, nothing kept)
    assert objectives(without, NAMES)[0] == math.inf
    assert _said(caplog, without) == []


def test_a_search_of_no_guarantees_is_no_search_without_a_verdict(tmp_path, monkeypatch):
    assert "privacy.epsilon" not in WORST_CASED
    folders = set()
    for kind, payload in _payloads(tmp_path, monkeypatch).items():
        (tmp_path / "trials" / kind).mkdir(parents=True)
        (tmp_path / "trials" / kind / "results.json").write_text(json.dumps(payload))
        folders.add(str(tmp_path / "trials" / kind))
    config = OmegaConf.create({"hydra": {"sweeper": {"_target_": OPTUNA}},
                               "attack": {"fprs": [0.001]}, "objectives": ["privacy.epsilon"]})
    assert _searched_without_verdict(config, folders) is False
