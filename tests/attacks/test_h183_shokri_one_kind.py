"""Shokri's refusal of one-kind training rows said 'raise attack.attacks.shokri.max_train_samples
or plan.num_models' where neither helps: a lone shadow (K=2) that trained on every record or
none (a user's masks), or a record or two per half ('its 0 training rows are all members')."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks.shokri import shokri
from mia_defense.errors import ConfigError


def _obs(masks):
    rng = np.random.default_rng(0)
    k, n = masks.shape
    return api.observations_from_arrays(rng.normal(size=(k, n, 3)), masks,
                                        rng.integers(0, 3, n), kind="logits")


def test_a_shadow_that_trained_on_every_record_is_named():
    masks = np.zeros((2, 40), dtype=bool)
    masks[1] = True  # model 1 trained on every record, model 0 on none
    with pytest.raises(ConfigError, match=r"shadow model\(s\) \[1\] trained on every record"):
        shokri(_obs(masks), np.array([0]))
    with pytest.raises(ConfigError, match=r"shadow model\(s\) \[0\] trained on none of the"):
        shokri(_obs(masks), np.array([1]))


def test_no_training_rows_is_said_so():
    masks = np.array([[True, False], [False, True]])
    with pytest.raises(ConfigError, match="no training rows are left") as info:
        shokri(_obs(masks), np.arange(2))
    assert "max_train_samples" not in str(info.value)


def test_shadows_of_both_kinds_still_attack():
    masks = np.zeros((2, 40), dtype=bool)
    masks[0, ::2] = True
    masks[1] = ~masks[0]
    assert np.shape(shokri(_obs(masks), np.arange(2))) == (2, 40)
