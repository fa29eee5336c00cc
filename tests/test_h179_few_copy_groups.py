"""copy_groups (ec2c113) that make every record one group of copies (observations whose
records all trained the same models, as copies do) gave bootstrap intervals of no width,
[0.483, 0.483], without a word: the bootstrap draws a group whole, so one group is one
draw. attack_observations now warns where the records judged form fewer than 10 groups."""

from __future__ import annotations

import numpy as np

from mia_defense import api
from tests.helpers import synthetic_observations

_SETTINGS = ["attack.bootstrap=40", "~attack.attacks.shokri", "attack.queries.num_augmented=0"]


def _observations(masks_of):
    obs = synthetic_observations(num_models=8, num_samples=120, signal=6.0, seed=0)
    return api.observations_from_arrays(obs.log_probs, masks_of(obs.masks), obs.labels)


def test_one_group_of_copies_is_said_to_give_intervals_of_no_width(caplog):
    obs = _observations(lambda m: np.repeat(m[:, :1], m.shape[1], axis=1))
    with caplog.at_level("WARNING"):
        loss = api.audit(obs, overrides=_SETTINGS, copy_groups=np.zeros(120, int)).result
    assert loss.attacks["loss"]["auc_ci_low"] == loss.attacks["loss"]["auc_ci_high"]
    assert ("copy_groups: the 120 records judged are exact copies of 1 distinct record(s)"
            in caplog.text)  # fmt: skip
    assert "intervals of no width" in caplog.text


def test_many_groups_of_copies_say_nothing(caplog):
    obs = _observations(lambda m: m[:, np.arange(m.shape[1]) // 2 * 2])
    with caplog.at_level("WARNING"):
        api.audit(obs, overrides=_SETTINGS, copy_groups=np.arange(120) // 2 * 2)
    assert "copy_groups:" not in caplog.text
