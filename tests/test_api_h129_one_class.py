"""Outputs of one class (a binary classifier's single score): refused, not audited as no
leak. A softmax over one class is 1 for every record: every attack's AUC was 0.500."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError


def _leaky_binary_scores():
    # a binary score z that separates members (|z| large, towards the label) from
    # non-members: [0, z] as logits leaks it plainly
    rng = np.random.default_rng(0)
    k, n = 4, 200
    masks = np.zeros((k, n), bool)
    for record in range(n):
        masks[rng.permutation(k)[: k // 2], record] = True
    labels = rng.integers(0, 2, n)
    sign = np.where(labels == 1, 1.0, -1.0)
    z = sign * (0.5 + 3 * masks) + rng.normal(size=(k, n)) * 0.3
    return z, masks, labels


@pytest.mark.parametrize("kind", ["logits", "log_probabilities"])
def test_observations_from_arrays_refuses_one_class(kind):
    # with labels all 0 the single column passed every check, and api.audit measured
    # AUC 0.500 for every attack of a model that leaks (the two columns below: far above)
    z, masks, labels = _leaky_binary_scores()
    outputs = z[..., None] if kind == "logits" else np.zeros_like(z)[..., None]
    with pytest.raises(DataError, match=r"outputs: shape \(4, 200, 1\): one class \(C=1\).*"
                                        r"\[0, z\] as logits, \[1 - p, p\] as probabilities"):
        api.observations_from_arrays(outputs, masks, labels * 0, kind=kind)
    two = np.stack([np.zeros_like(z), z], axis=-1)
    obs = api.observations_from_arrays(two, masks, labels, kind="logits")
    auc = api.audit(obs, overrides=["attack.bootstrap=0"]).rows()[0]["auc"]
    assert auc > 0.9
