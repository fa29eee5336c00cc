"""Masks that put every record into the same number a != K/2 of the K models (a user's own:
8 models each trained on 2 of 8 shards, or each record in one model) made the reference-based
attacks read chance whatever the leak (helper 391): each ranks a record only among those
kept by as many references (`ranked_within_strata`), and a target's references hold a - 1 IN
models of each member and a of each non-member, so every stratum held one kind. LiRA, RMIA
and calibrated label-only read AUC 0.500 where the loss attack read 0.77 (python
/tmp/h391/frac.py a2), and an audit by them alone gave a verdict of no leak, under a
caveat saying their figures 'may overstate' it. Such an attack now gives one score (it
measured nothing: it never decides the verdict, and where every black-box attack is such the
run has none), and the caveat says they understate the leak."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.attacks.references import strata_of_one_kind
from mia_defense.errors import ConfigError
from mia_defense.metrics.consistency import unbalanced_masks
from mia_defense.observations import Observations

K, N = 8, 1200
_FAST = ["attack.bootstrap=0", "~attack.attacks.shokri", "attack.queries.num_augmented=0"]
_THRESHOLD = ["loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class"]


def _masks(per_record: int | None, rng: np.random.Generator) -> np.ndarray:
    """[K, N] each record IN for ``per_record`` models (None: each model with chance 1/2)."""
    if per_record is None:
        masks = rng.random((K, N)) < 0.5
        return masks[:, masks.any(axis=0) & ~masks.all(axis=0)]
    masks = np.zeros((K, N), bool)
    for n in range(N):
        masks[rng.permutation(K)[:per_record], n] = True
    return masks


def _leaky(per_record: int | None, seed: int = 0) -> Observations:
    """Outputs whose members' true-class logit is 1.5 higher (the loss attack: AUC ~0.77)."""
    rng = np.random.default_rng(seed)
    masks = _masks(per_record, rng)
    k, n = masks.shape
    labels = rng.integers(0, 10, n)
    logits = rng.normal(0.0, 1.0, (k, n, 10))
    logits[:, np.arange(n), labels] += 2.0 + rng.normal(0.0, 1.0, n) + 1.5 * masks
    log_probs = torch.log_softmax(torch.as_tensor(logits), dim=-1).numpy().astype(np.float32)
    return Observations(log_probs=log_probs, labels=labels, masks=masks)


@pytest.mark.parametrize("per_record", [1, 2, 7])
def test_reference_attacks_alone_give_no_verdict_of_no_leak(per_record):
    only = [f"~attack.attacks.{name}" for name in (*_THRESHOLD, "label_only")]
    with pytest.raises(ConfigError, match=r"every black-box attack .* gave every record the same"):
        api.audit(_leaky(per_record), overrides=[*_FAST, *only])


def test_beside_threshold_attacks_they_measure_nothing_and_the_caveat_says_understated(caplog):
    result = api.audit(_leaky(2), overrides=_FAST).result
    for name in ("lira_online", "lira_offline", "rmia", "label_only"):
        assert result.attacks[name]["auc"] == 0.5, name
    assert result.strongest_attack in _THRESHOLD
    assert result.attacks[result.strongest_attack]["auc"] > 0.7
    assert "all members or all non-members of the target" in caplog.text
    assert "understate" in result.privacy["masks_unbalanced"]
    assert "overstate" not in result.privacy["masks_unbalanced"]
    assert "understate" in unbalanced_masks(_leaky(1).masks)


@pytest.mark.parametrize("per_record", [K // 2, None])
def test_balanced_or_random_masks_keep_their_reference_attacks(per_record):
    obs = _leaky(per_record)
    assert not strata_of_one_kind(obs.masks, np.arange(K))
    result = api.audit(obs, overrides=_FAST).result
    for name in ("lira_online", "lira_offline", "rmia"):
        assert result.attacks[name]["auc"] > 0.6, name


def test_the_rule_reads_the_judged_records_only():
    masks = _leaky(2).masks
    assert strata_of_one_kind(masks, np.arange(K))
    assert strata_of_one_kind(masks, np.arange(2), np.arange(N) < N // 2)
    mixed = np.concatenate([masks, _masks(K // 2, np.random.default_rng(1))], axis=1)
    assert not strata_of_one_kind(mixed, np.arange(K))  # (balanced records: one stratum mixed)
    assert strata_of_one_kind(mixed, np.arange(K), np.arange(2 * N) < N)
