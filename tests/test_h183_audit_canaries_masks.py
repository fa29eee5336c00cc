"""A file whose canaries trained every model or none (the one-run audit draws a canary's
membership at random, so with few models some do) loaded with api.load_observations, which
advises api.audit(obs, is_canary=np.load(...)['is_canary']); that audit then refused the same
observations ('masks: records 0, 1, 2 ... are never OUT (a member of every model)'), as if the
canaries were not flagged. api.audit now exempts the canaries it is given, as the file's own
is_canary is exempt."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError

_SETTINGS = ["attack.bootstrap=0", "~attack.attacks.shokri", "attack.queries.num_augmented=0"]


def _file(tmp_path):
    rng = np.random.default_rng(0)
    k, n, c = 4, 60, 3
    masks = np.zeros((k, n), dtype=bool)
    for i in range(n):
        masks[rng.permutation(k)[:2], i] = True
    masks[:, :3], masks[:, 3:5] = True, False  # canaries IN every model, and IN none
    canary = np.arange(n) < 5
    z = rng.normal(size=(k, n, c))
    log_probs = (z - np.log(np.exp(z).sum(-1, keepdims=True))).astype(np.float32)
    path = tmp_path / "observations.npz"
    np.savez(path, log_probs=log_probs, masks=masks, labels=rng.integers(0, c, n),
             is_canary=canary, schema_version=np.array(2))
    return path, canary


def test_audit_with_the_files_canaries_attacks_it(tmp_path):
    path, canary = _file(tmp_path)
    obs = api.load_observations(path)
    result = api.audit(obs, overrides=_SETTINGS, is_canary=np.load(path)["is_canary"]).result
    assert 0.0 <= result.attacks["loss"]["auc"] <= 1.0
    assert canary.sum() == 5


def test_without_the_flags_the_masks_are_still_refused(tmp_path):
    path, _ = _file(tmp_path)
    obs = api.load_observations(path)
    with pytest.raises(DataError, match=r"never OUT \(a member of every model\)"):
        api.audit(obs, overrides=_SETTINGS)
    flags = np.zeros(60, dtype=bool)
    flags[:3] = True  # records 3 and 4 left unflagged
    with pytest.raises(DataError, match=r"records 3, 4 \(2 of 60\) are never IN"):
        api.audit(obs, overrides=_SETTINGS, is_canary=flags)
