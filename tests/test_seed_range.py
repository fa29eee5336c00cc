"""A seed above scikit-learn's random_state range (2**32 - 1) is refused before any work:
Shokri's attack model takes the run's seed, and scikit-learn's parameter check stopped a
finished training with an InvalidParameterError traceback."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.shokri import MAX_SEED, shokri
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations


@pytest.mark.parametrize("seed", [MAX_SEED + 1, 2**64 + 1])
def test_a_seed_beyond_scikit_learns_range_is_refused_naming_the_key(seed, make_cfg):
    with pytest.raises(ConfigError, match=rf"^seed={seed}: at most {MAX_SEED} "):
        check_config(make_cfg(f"seed={seed}"))


def test_the_largest_seed_scikit_learn_takes_passes(make_cfg):
    check_config(make_cfg(f"seed={MAX_SEED}"))


def test_shokri_refuses_a_seed_scikit_learn_would_refuse():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 40), dtype=bool)
    masks[[0, 1], :20] = masks[[2, 3], 20:] = True
    logits = rng.normal(size=(4, 40, 3))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    obs = Observations(log_probs=log_probs, labels=rng.integers(0, 3, 40), masks=masks)
    with pytest.raises(ConfigError, match=r"attack shokri seed=4294967296: must be an integer"):
        shokri(obs, np.arange(4), seed=MAX_SEED + 1)


@pytest.mark.parametrize("seed", [MAX_SEED + 1, 10**29])
def test_mia_attacks_seed_beyond_the_range_is_refused_as_mia_trains(seed):
    """mia-attack's config check names ``seed`` before any work (it named
    attack.attacks.shokri once the other attacks had run)."""
    from mia_defense.attack_setup import attack_config, check_attack_config

    with pytest.raises(ConfigError, match=rf"^seed={seed}: at most {MAX_SEED} "):
        check_attack_config(attack_config(seed=seed))
    check_attack_config(attack_config(seed=MAX_SEED))
