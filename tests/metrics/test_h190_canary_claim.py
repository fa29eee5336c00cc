"""A DP claim is per record, canaries included: attacks that separate every canary on every
target refute a small accountant's ε, though the pooled figures leave canaries out; canaries
without any signal refute nothing."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.plan import balanced_masks

FAST = ["attack.bootstrap=0", "attack.white_box=false", "attack.queries.num_augmented=0",
        "attack.queries.repeats=1", "~attack.attacks.shokri", "~attack.attacks.label_only"]


def _audited(*, canary_signal: float, seed: int = 0, copies: bool = False) -> dict:
    k, n, m = 8, 400, 100
    rng = np.random.default_rng(seed)
    masks = balanced_masks(k, n + m, rng)
    groups = None
    if copies:  # the canaries in pairs of exact copies, which train the same models
        masks[:, n + 1 :: 2] = masks[:, n::2]
        groups = np.arange(n + m)
        groups[n + 1 :: 2] = groups[n::2]
    labels = rng.integers(0, 2, n + m)
    logit = rng.normal(0, 2, n + m)[None, :] + rng.normal(0, 1, (k, n + m))
    # the canaries' true-class logit: +signal on the models they trained, -signal elsewhere
    logit[:, n:] += np.where(masks[:, n:], canary_signal, -canary_signal)
    logit = np.where(labels[None, :] == 1, logit, -logit)
    log_probs = np.stack([-np.logaddexp(0, logit), -np.logaddexp(0, -logit)], axis=-1)
    obs = api.observations_from_arrays(log_probs.astype(np.float32), masks, labels)
    is_canary = np.arange(n + m) >= n
    audited = api.run_audit(obs, api.attack_config(FAST, seed=seed), defended=True,
                            is_canary=is_canary, copy_groups=groups,
                            privacy={"epsilon": 0.1, "delta": 1e-5, "epsilon_valid": True})
    return audited.result.privacy


def test_canaries_every_target_separates_refute_a_small_claim():
    privacy = _audited(canary_signal=6.0)
    assert privacy["empirical_epsilon"] < 0.1  # the other records show nothing
    assert privacy["epsilon_refuted"] is True
    assert privacy["epsilon_refuted_by"].startswith("attack ")
    assert " on the canaries, 95% over all 8 attacks" in privacy["epsilon_refuted_by"]
    assert "at 95% for all 2 bounds the claim was held to" in privacy["epsilon_refuted_reason"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_canaries_without_signal_refute_nothing(seed):
    privacy = _audited(canary_signal=0.0, seed=seed)
    assert privacy["epsilon_refuted"] is False


def test_canaries_with_copies_are_not_held_to_a_per_record_claim():
    # an attack's decision on a canary with a copy is one on both (group privacy: up to
    # twice the per-record ε), so their bound tests no per-record claim, as for records
    privacy = _audited(canary_signal=6.0, copies=True)
    assert privacy["epsilon_refuted"] is False
