"""A DP run's ε lowered by hand in results.json (privacy.epsilon, every per_model copy, the
headline's) was ranked at the lowered ε: the report now recomputes each model's ε from its
recorded σ, sample rate, steps and δ by the run's accountant (h292)."""

from __future__ import annotations

import copy

import pytest

from mia_defense.report.checks import dp_claim_problem, dp_schedule_problem

# What `mia-train defense=dp defense.dp.noise_multiplier=1.0 defense.dp.target_epsilon=null
# plan.num_models=2 train.epochs=1` recorded (its ε to the last digit).
_EPS = 2.8818142082930134
_MODEL = {"epsilon": _EPS, "noise_multiplier": 1.0, "sample_rate": 0.125, "steps": 8,
          "delta": 0.0001976284584980237, "accountant": "rdp"}  # fmt: skip
_PRIVACY = {"epsilon": _EPS, "delta": 0.00020242914979757084, "noise_multiplier": 1.0,
            "accountant": "rdp", "epsilon_valid": True,
            "per_model": [dict(_MODEL), dict(_MODEL)]}  # fmt: skip
_DEFENSES = {"dp": {"_target_": "mia_defense.defenses.DPSGD", "noise_multiplier": 1.0,
                    "target_epsilon": None, "delta": None, "accountant": "rdp"}}  # fmt: skip


def _lowered(privacy: dict) -> None:
    privacy["epsilon"] = 0.5
    for model in privacy["per_model"]:
        model["epsilon"] = 0.5


def _older(privacy: dict) -> None:  # a run whose per_model lacks an input: nothing said
    for model in privacy["per_model"]:
        del model["sample_rate"]


def _other_accountant(privacy: dict) -> None:  # prv's lower ε, the config's rdp kept
    privacy["accountant"] = "prv"
    for model in privacy["per_model"]:
        model["accountant"] = "prv"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, None),
        (_older, None),
        (_lowered, "privacy.per_model[0].epsilon is 0.5, but its noise_multiplier 1, "
                   "sample_rate 0.125, steps 8 and delta 0.000197628 spend ε 2.88181 by the "
                   "rdp accountant the run used"),
        (_other_accountant, "privacy.accountant is 'prv', but config.defense.dp.accountant"),
        (lambda p: p["per_model"][1].update(steps=10**12, epsilon=0.5), "per_model[1].epsilon"),
    ],
)
def test_recomputed_epsilon(change, expected) -> None:
    privacy = copy.deepcopy(_PRIVACY)
    if change is not None:
        change(privacy)
    problem = dp_claim_problem(privacy, num_models=2, defenses=_DEFENSES)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


@pytest.mark.parametrize(
    ("field", "value", "members", "expected"),
    [
        (None, None, [506, 506], None),
        ("delta", 0.05, None, None),  # (no observations.npz: no member counts)
        ("noise_multiplier", 2.0, None, "per_model[0].noise_multiplier is 2, but "
         "config.defense.dp.noise_multiplier makes it 1"),
        ("delta", 0.05, [506, 506], "per_model[0].delta is 0.05, but 1 / (10 · its 506 "
         "members) makes it 0.000197628"),
        ("sample_rate", 0.01, [506, 506], "per_model[0].sample_rate is 0.01, but 1 / ceil(506 "
         "members / train.batch_size 64) makes it 0.125"),
        ("steps", 2, [506, 506], "per_model[0].steps is 2, but train.epochs 1 × 8 steps an "
         "epoch makes it 8"),
    ],
)  # fmt: skip
def test_inputs_of_epsilon_against_the_schedule(field, value, members, expected) -> None:
    """σ raised, or q, steps, δ edited, to make a lowered ε recompute (a real run's inputs)."""
    privacy = copy.deepcopy(_PRIVACY)
    if field is not None:
        for model in privacy["per_model"]:
            model[field] = value
    payload = {"privacy": privacy, "config": {"defense": _DEFENSES,
                                              "train": {"batch_size": 64, "epochs": 1}}}
    problem = dp_schedule_problem(payload, members)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_the_recomputation_imports_no_torch():
    # the report's reading of a DP run recomputes its ε without torch: the accounting module
    # is reached through mia_defense.defenses, whose names load on first use
    import subprocess
    import sys

    code = ("import sys; from mia_defense.report.checks import dp_claim_problem; "
            f"print(dp_claim_problem({_PRIVACY!r}, defenses={_DEFENSES!r}), "
            "'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    assert done.stdout.split() == ["None", "False"], done.stderr[-2000:]
