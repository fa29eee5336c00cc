"""api.run_audit and api.released_utility took ``Observations(...)`` built directly
unchecked (api.audit checks them): 0/1 integer masks indexed rows 0 and 1 as every model's
members, so the recorded train accuracy was 0.75 where the members' is 0.87; NaN outputs
were attacked without a word; float labels were a raw TypeError. Both now run audit's
checks, naming themselves."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from mia_defense.observations import Observations

K, N, C = 4, 60, 3


@pytest.fixture(scope="module")
def obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    labels = rng.integers(0, C, N)
    logits = rng.normal(size=(K, N, C))
    logits[masks, np.broadcast_to(labels, (K, N))[masks]] += 2
    return api.observations_from_arrays(logits, masks, labels, kind="logits")


def test_integer_masks_give_the_members_accuracy(obs) -> None:
    direct = Observations(obs.log_probs, obs.labels, obs.masks.astype(np.int64))
    right = api.released_utility(obs)
    assert api.released_utility(direct)["train_accuracy"] == right["train_accuracy"]
    cfg = api.attack_config(["attack.bootstrap=0", "~attack.attacks.shokri"])
    result = api.run_audit(direct, cfg, defended=True).result
    assert result.utility["train_accuracy"] == right["train_accuracy"]
    assert result.utility["train_loss"] == pytest.approx(right["train_loss"])


def test_what_audit_refuses_is_refused_naming_the_caller(obs) -> None:
    nan = obs.log_probs.copy()
    nan[0, :5] = np.nan
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(DataError, match=r"run_audit: observations: log_probs: NaN at \[0, 0, 0\]"):
        api.run_audit(Observations(nan, obs.labels, obs.masks), cfg, defended=True)
    with pytest.raises(DataError, match=r"run_audit: observations: labels: dtype float64, "
                       r"expected integers"):  # fmt: skip
        api.run_audit(Observations(obs.log_probs, obs.labels.astype(float), obs.masks), cfg,
                      defended=True)  # fmt: skip
    with pytest.raises(DataError, match=r"released_utility: observations: log_probs: NaN"):
        api.released_utility(Observations(nan, obs.labels, obs.masks))


def test_run_audit_exempts_its_canaries_from_the_mask_check(obs) -> None:
    masks = obs.masks.copy()
    masks[:, 0] = True  # a canary of every model, as a file's is_canary may flag it
    cfg = api.attack_config(["attack.bootstrap=0", "~attack.attacks.shokri"])
    flags = np.arange(N) == 0
    done = api.run_audit(Observations(obs.log_probs, obs.labels, masks), cfg, defended=True,
                         is_canary=flags.astype(int))  # fmt: skip
    assert "loss" in done.result.attacks
