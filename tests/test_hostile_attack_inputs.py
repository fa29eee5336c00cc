"""Observations of your own models that mia-attack and api.audit are handed by a mistaken
user: each is refused naming the field, never attacked with NaN figures and numpy's
warnings."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError


def _arrays(k=4, n=40, c=3):
    rng = np.random.default_rng(0)
    outputs = rng.dirichlet(np.ones(c), (k, n))
    masks = np.zeros((k, n), dtype=bool)
    masks[0::2, : n // 2] = masks[1::2, n // 2 :] = True
    return outputs, masks, rng.integers(0, c, n)


def test_a_test_set_of_no_records_is_refused_naming_it():
    outputs, masks, labels = _arrays()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its mean accuracy was NaN, "Mean of empty slice"
        with pytest.raises(DataError, match=r"test_outputs: shape \(4, 0, 3\): no test "
                           r"records \(M=0\); give the models' outputs on held-out records, or "
                           r"leave test_outputs and test_labels out"):  # fmt: skip
            api.observations_from_arrays(
                outputs, masks, labels, kind="probabilities",
                test_outputs=np.zeros((4, 0, 3)), test_labels=np.zeros(0, dtype=np.int64),
            )  # fmt: skip


def test_a_one_run_audit_figure_too_large_for_a_float_is_refused_naming_it():
    from mia_defense.attack_source_facts import _audit_problem

    privacy = {"audit": {
        "accountant_epsilon": None, "delta": 1e-5, "confidence": 0.95,
        "white_box": {"epsilon": 10**400, "canaries": 100, "correct": 9, "guesses": 10},
        "black_box": {"skipped": "no gradient"},
    }}  # fmt: skip
    problem = _audit_problem(privacy)  # was an OverflowError traceback from mia-attack
    assert problem.startswith("privacy.audit is not a one-run audit's figures (OverflowError")


def test_mia_attack_carries_an_epsilon_its_runs_config_makes_no_guarantee_as_none():
    from mia_defense.attack_source_facts import doubt_claim

    results = {"config": {"dataset": {"standardize": True},
                          "defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD"}}}}
    privacy = {"epsilon": 8.0, "delta": 1e-5, "accountant": "rdp", "epsilon_valid": True}
    doubt_claim(privacy, results, Path("run/results.json"))  # a run of before standardised
    # features were flagged
    assert privacy["epsilon_valid"] is False
    assert privacy["epsilon_invalid_reason"].startswith("dataset.standardize=true: the features")
    plain = {"epsilon": 8.0, "delta": 1e-5, "accountant": "rdp", "epsilon_valid": True}
    doubt_claim(plain, {"config": {"dataset": {}, "defense": {"dp": {}}}},
                 Path("run/results.json"))
    assert plain["epsilon_valid"] is True and "epsilon_invalid_reason" not in plain
