"""A DP run's ε lowered by hand in results.json, with privacy.per_model (the schedule the
report recomputes each model's ε from) deleted, was ranked at the lowered ε as a guarantee:
the recomputation took the run for an older one. A file of mia-train (its ``timings``
block) that claims a DP-SGD ε without a model's schedule is refused now (h294)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.attack_source_facts import _results_problem
from mia_defense.report.checks import epsilon_doubt, payload_problem
from tests.report.fake_runs import make_run

# What `mia-train defense=dp defense.dp.noise_multiplier=1.0 defense.dp.target_epsilon=null
# plan.num_models=2 train.epochs=1` recorded for each model (its ε to the last digit).
_EPS = 2.8818142082930134
_MODEL = {"epsilon": _EPS, "noise_multiplier": 1.0, "sample_rate": 0.125, "steps": 8,
          "delta": 0.0001976284584980237, "accountant": "rdp"}  # fmt: skip


def _lowered(payload: dict) -> None:
    payload["privacy"]["epsilon"] = 0.5


def _no_schedule(payload: dict) -> None:
    _lowered(payload)
    del payload["privacy"]["per_model"]


def _no_sample_rate(payload: dict) -> None:
    _lowered(payload)
    for model in payload["privacy"]["per_model"]:
        model["epsilon"] = 0.5
        del model["sample_rate"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, None),
        (_no_schedule, "privacy.epsilon is 0.5 without privacy.per_model, but the file is "
                       "mia-train's (timings)"),
        (lambda p: (_no_schedule(p), p["privacy"].update(per_model=[])), "without privacy."),
        (_no_sample_rate, "privacy.per_model[0] has no sample_rate, but the file is mia-train's"),
        # mia-attack carries the privacy block of the run it attacks, of any age
        (lambda p: (_no_schedule(p), p.update(source={"path": "old"})), None),
        # a run of before 2026-11-30 (or a tool of your own): not held to it
        (lambda p: (_no_schedule(p), p.pop("timings")), None),
        (lambda p: (_no_schedule(p), p.pop("timings"), p.update(
            sha256={"checkpoints/model_0000.pt": "0" * 64})),
         "mia-train's (sha256['checkpoints/model_0000.pt'])"),
    ],
)  # fmt: skip
def test_deleted_schedule_refused(tmp_path: Path, change, expected) -> None:
    payload = _payload(tmp_path)
    if change is not None:
        change(payload)
    problem = payload_problem(payload)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def _null_sample_rate(payload: dict) -> None:
    _lowered(payload)
    for model in payload["privacy"]["per_model"]:
        model.update(epsilon=0.5, sample_rate=None)


@pytest.mark.parametrize(("change", "doubt"), [
    (None, None),
    (_null_sample_rate, "privacy.per_model[0].sample_rate is null, so the report cannot "
                        "recompute the ε"),
    # mia-attack of a run whose per_model was deleted: its record is not held to it
    (lambda p: (_no_schedule(p), p.update(source={"path": "run"})),
     "mia-attack carried it from the run it attacked (source) without privacy.per_model"),
])  # fmt: skip
def test_null_schedule_no_guarantee(tmp_path: Path, change, doubt) -> None:
    payload = _payload(tmp_path)
    if change is not None:
        change(payload)
    assert payload_problem(payload) is None
    found = epsilon_doubt(payload)
    assert found == doubt if doubt is None else doubt in found


def _payload(tmp_path: Path) -> dict:
    payload = make_run(tmp_path / "run", test_accuracy=0.8, signal=0.3, defense="dp",
                       epsilon=_EPS)  # fmt: skip
    payload["config"]["defense"]["dp"] = {"_target_": "mia_defense.defenses.DPSGD",
                                          "noise_multiplier": 1.0, "accountant": "rdp"}
    payload["privacy"].update(delta=0.0002, noise_multiplier=1.0, accountant="rdp",
                              epsilon_valid=True, per_model=[dict(_MODEL) for _ in range(4)])
    payload.update(timings={"training": 1.0}, headline={})
    return payload


def test_mia_attack_refuses_to_carry_an_epsilon_whose_schedule_was_deleted(tmp_path: Path) -> None:
    """mia-attack carried the lowered ε of such a record into its own, whose verdict took it
    as the accountant's (an ε <= 1 vouches for a run whatever its training did)."""
    payload = _payload(tmp_path)
    payload["utility"].update(chance_accuracy=0.1, train_accuracy=0.9, generalization_gap=0.1)
    payload["privacy"].update(epsilon=_EPS, epsilon_refuted=False)
    assert _results_problem(payload) is None
    _no_schedule(payload)
    problem = _results_problem(payload)
    assert "privacy.epsilon is 0.5 without privacy.per_model" in problem
    assert problem.endswith("a figure was changed after the run")
