"""A DP-SGD noise too small for float32 (h379): no noise was added, yet a finite ε was
reported as a guarantee."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import DPSGD
from mia_defense.defenses.accounting import SIGMA_CACHE_ENV, epsilon_spent
from mia_defense.defenses.dp_mechanism import RandomSource, gaussian_noise
from mia_defense.errors import ConfigError

_TINY = float(torch.finfo(torch.float32).tiny)


def test_a_noise_multiplier_whose_noise_is_zero_in_float32_is_refused():
    """mia-train defense=dp defense.dp.target_epsilon=null defense.dp.noise_multiplier=1e-46
    trained without noise (float32 draws it as 0) and results.json said privacy.epsilon
    3.3e92 with epsilon_valid true: the accountant's ε of σ = 1e-46, not the ∞ of what ran."""
    sigma = _TINY / 1e8
    source = RandomSource.seeded(torch.Generator().manual_seed(0))
    assert not gaussian_noise(1000, sigma, source).any()  # the noise that would be added
    assert epsilon_spent("rdp", ((sigma, 0.1, 10),), 1e-5) < float("inf")  # the ε claimed
    with pytest.raises(ConfigError, match=r"defense\.dp\.noise_multiplier=.*no noise is added"):
        DPSGD(noise_multiplier=sigma, target_epsilon=None)
    with pytest.raises(ConfigError, match=r"max_grad_norm=.*no noise is added"):
        DPSGD(noise_multiplier=0.5, target_epsilon=None, max_grad_norm=_TINY * 1.5)


def test_noise_in_float32_s_range_and_no_noise_stay_accepted():
    # (σ = 2·tiny at C = 1 was accepted here: a clipped gradient of norm 1 rounds such noise
    # away, h386; σ must also lie above float32's precision 2^-24)
    assert DPSGD(noise_multiplier=1e-7, target_epsilon=None).noise_multiplier > 0
    assert DPSGD(noise_multiplier=0.5, target_epsilon=None, max_grad_norm=_TINY * 4).max_grad_norm
    assert DPSGD(noise_multiplier=0.0, target_epsilon=None).noise_multiplier == 0.0


def test_a_calibrated_sigma_whose_noise_is_below_float32_is_refused(monkeypatch):
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    dp = DPSGD(target_epsilon=50.0, max_grad_norm=_TINY * 1.01)
    with pytest.raises(ConfigError, match=r"calibrated for defense\.dp\.target_epsilon=50.*"
                                          r"raise defense\.dp\.max_grad_norm"):
        dp.plan(sizes=[100, 100], batch_size=10, epochs=1)
