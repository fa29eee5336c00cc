"""The attack seeds other than Shokri's (rmia, the LiRAs, label_only, gradient_norm) take any
integer >= 0, and a whole float there (attack.attacks.rmia.seed=1e30) is told to write its
integer (h449), however long: numpy's default_rng, the only user of these seeds
(default_rng(seed) for RMIA's z, default_rng([t, seed]) for the rank draws), takes
integers of any size, so the hinted integer is one the attack runs with. Shokri's seed goes
to scikit-learn's random_state (at most 2**32 - 1) and is refused above it up front, its
float hint suggesting none (h449). This pins that the hinted integer passes the config
check and drives every seeded path (h453)."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.utils import instantiate

from mia_defense.config import check_config
from mia_defense.errors import ConfigError

ATTACKS = ["rmia", "lira_online", "lira_offline", "lira_online_augmented", "label_only",
           "gradient_norm"]  # fmt: skip


def _observations():
    from tests.attacks.test_h199_rank_draws_follow_seed import _unbalanced

    return _unbalanced()


def _hinted(make_cfg, override: str) -> str:
    """The integer the float hint of ``override`` (a whole float) tells the user to write."""
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(override))
    return str(refused.value).rsplit("write ", 1)[1].split("=", 1)[1]


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("typed", ["1e30", "1e300"])
def test_the_hinted_big_seed_is_one_the_attack_runs_with(make_cfg, name, typed):
    key = f"attack.attacks.{name}.seed"
    seed = _hinted(make_cfg, f"{key}={typed}")
    assert int(seed) > 2**64
    cfg = make_cfg(f"{key}={seed}", "attack.attacks.rmia.num_z=20")  # (z drawn from the seed)
    check_config(cfg)
    obs, targets = _observations(), np.arange(3)
    scores = np.asarray(instantiate(cfg.attack.attacks[name])(obs, targets))
    assert np.isfinite(scores).all()
    other = make_cfg(f"{key}={int(seed) + 1}", "attack.attacks.rmia.num_z=20")
    again = instantiate(other.attack.attacks[name])
    assert not np.array_equal(np.asarray(again(obs, targets)), scores)  # (the seed drives it)

