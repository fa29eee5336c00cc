"""run_attacks took ``records`` of 0/1 ints as record indices (records 0 and 1, twenty times
each: other figures, silently), and refused bad evaluation settings only after every
attack had scored (an FPR of 0 as a raw ZeroDivisionError, one FPR as a TypeError, a
confidence of '0.9' as a raw TypeError); records or groups of another length were
numpy's IndexError. Each is refused up front, naming it."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import EvaluationConfig, loss_attack, run_attacks
from mia_defense.errors import ConfigError, DataError
from tests.helpers import synthetic_observations

N = 40


@pytest.fixture(scope="module")
def obs():
    return synthetic_observations(num_models=4, num_samples=N, signal=1.0)


def _never(obs, targets):
    raise AssertionError("the attack ran before the settings were checked")


def test_records_of_0_1_ints_pool_the_records_their_bool_mask_does(obs):
    odd = np.arange(N) % 2
    as_ints = run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4), records=odd)
    as_bool = run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4),
                          records=odd.astype(bool))
    assert as_ints["loss"].metrics.auc == as_bool["loss"].metrics.auc


@pytest.mark.parametrize("setting, said", [
    ({"fprs": (0.0,)}, r"run_attacks: evaluation: fprs holds 0.0"),
    ({"fprs": 0.1}, r"run_attacks: evaluation: fprs=0.1: give a sequence"),
    ({"confidence": "0.9"}, r"run_attacks: evaluation.confidence='0.9': must be a number in "),
    ({"delta": -1.0}, r"run_attacks: evaluation.delta=-1.0: must be a number in \[0, 1\)"),
    ({"bootstrap": 2.5}, r"run_attacks: evaluation.bootstrap=2.5: must be an integer in \["),
    ({"seed": -1}, r"run_attacks: evaluation.seed=-1: must be an integer >= 0"),
])  # fmt: skip
def test_evaluation_settings_out_of_range_are_refused_before_any_attack(obs, setting, said):
    with pytest.raises(ConfigError, match=said):
        run_attacks(obs, {"mine": _never}, targets=np.arange(4),
                    evaluation=EvaluationConfig(**setting))


@pytest.mark.parametrize("given, said", [
    ({"records": np.array([0, 1, 2])}, r"records holds other values than True/False or 0/1"),
    ({"records": np.ones(10, bool)}, r"records has shape \(10,\), expected \(40,\)"),
    ({"groups": np.arange(10)}, r"groups has shape \(10,\), expected \(40,\)"),
])
def test_records_and_groups_that_do_not_fit_are_refused(obs, given, said):
    with pytest.raises(DataError, match=rf"run_attacks: {said}"):
        run_attacks(obs, {"mine": _never}, targets=np.arange(4), **given)
