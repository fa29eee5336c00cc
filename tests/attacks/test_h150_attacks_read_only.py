"""An attack of the user's own that wrote into what it was given (``obs.log_probs[...] = 0``)
changed what every later attack scored and, in mia-attack, the copy saved as the run's
observations.npz (all zeros, its recorded sha256 that of the changed copy), exit 0; one that
wrote into ``targets`` during the rehearsal changed the run's targets. The attacks now get
read-only views: such an attack raises, and the runner names it."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import check_attacks, run_attacks
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


def zeroes_the_outputs(obs, targets):
    obs.log_probs[...] = 0
    return np.zeros((len(targets), len(obs.labels)))


def rewrites_the_targets(obs, targets):
    targets[:] = targets[::-1].copy()
    return np.random.default_rng(0).random((len(targets), len(obs.labels)))


def test_an_attack_writing_into_the_observations_is_named_and_changes_nothing():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    before = obs.log_probs.copy()
    with pytest.raises(ConfigError, match=r"attack.attacks.mine: the attack raised ValueError: "
                       r"assignment destination is read-only"):  # fmt: skip
        run_attacks(obs, {"mine": zeroes_the_outputs}, targets=np.arange(4))
    assert np.array_equal(obs.log_probs, before)
    assert obs.log_probs.flags.writeable  # the caller's arrays stay as they were


def test_an_attack_writing_into_the_targets_leaves_the_callers():
    targets = np.arange(4)
    check_attacks({"mine": rewrites_the_targets}, num_models=4, num_classes=3, targets=targets)
    assert targets.tolist() == [0, 1, 2, 3]
    with pytest.raises(ConfigError, match=r"attack.attacks.mine: the attack raised ValueError"):
        run_attacks(synthetic_observations(num_models=4, num_samples=60, num_classes=3),
                    {"mine": rewrites_the_targets}, targets=targets)  # fmt: skip
    assert targets.tolist() == [0, 1, 2, 3]
