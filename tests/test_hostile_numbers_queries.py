"""Hostile numbers for the attack's queries, refused by check_config before any work."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


def test_a_feature_noise_beyond_any_use_is_refused_by_name(make_cfg):
    # 1e300 overflowed the float32 inputs to inf: after training, 'training diverged: the
    # released outputs on the perturbed queries contain NaN or +inf; likely cause: train.lr'
    with pytest.raises(ConfigError, match=r"^attack\.queries\.noise_std=1e\+300: at most 1000 "
                       r"\(in units of each feature's standard deviation; .*\); lower it"):
        check_config(make_cfg("attack.queries.noise_std=1e300", "attack.queries.num_augmented=2"))


def test_a_large_noise_that_no_query_uses_and_the_bound_itself_pass(make_cfg):
    check_config(make_cfg("attack.queries.noise_std=1e300", "attack.queries.num_augmented=0"))
    check_config(make_cfg("attack.queries.noise_std=1000", "attack.queries.num_augmented=2"))
