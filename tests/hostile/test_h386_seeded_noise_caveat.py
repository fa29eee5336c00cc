"""Seeded DP-SGD noise (the default, defense.dp.secure_mode=false) is torch's float32 normal
draws, which stop at 5.77 standard deviations on the CPU (Box-Muller over 24-bit uniforms):
a record whose clipped gradient lies along one coordinate moves a step's noisy sum, with
some probability, where no draw without it reaches, an outcome the accountant's Gaussian
noise does not have (h386). mia-train defense=dp defense.dp.target_epsilon=50 (30 epochs on
digits, σ 0.538: up to 1.4e-3 over a model's 240 steps, above its δ 2e-4; 7.9e-6 at the
default ε 8) reported its ε, epsilon_valid true, noise_source seeded and not a word of it;
results.json's privacy.noise_caveat now says so, with the figure."""

from __future__ import annotations

import math

import torch

from mia_defense.defenses import DPSGD
from mia_defense.defenses.accounting import (
    SEEDED_NORMAL_BOUND,
    epsilon_spent,
    seeded_tail_probability,
)
from mia_defense.defenses.dp_mechanism import RandomSource, gaussian_noise


def test_seeded_draws_stop_at_the_bound_that_a_record_s_gradient_passes():
    sigma, clip, draws = 0.3, 1.0, 1_000_000
    source = RandomSource.seeded(torch.Generator().manual_seed(0))
    without = gaussian_noise(draws, sigma * clip, source).double()
    with_record = clip + gaussian_noise(draws, sigma * clip, source).double()
    reach = SEEDED_NORMAL_BOUND * sigma * clip
    assert without.abs().max() <= reach  # no sum without the record lies beyond it
    shown = float((with_record > reach).double().mean())  # the record's outcomes beyond it
    expected = seeded_tail_probability(sigma, 1.0, 1)
    assert shown > 0 and math.isclose(shown, expected, rel_tol=0.1), (shown, expected)


def _stats(sigma: float, rate: float, steps: int, delta: float) -> dict[str, float]:
    eps = epsilon_spent("rdp", ((sigma, rate, steps),), delta)
    return {"epsilon": eps, "noise_multiplier": sigma, "sample_rate": rate, "steps": steps,
            "delta": delta}  # fmt: skip


def test_results_json_says_what_seeded_noise_leaves_out_of_its_epsilon():
    stats = _stats(0.538, 0.125, 240, 2e-4)  # digits' schedule at target_epsilon=50
    privacy = DPSGD(noise_multiplier=0.538, target_epsilon=None).privacy_report(
        [stats], dataset={})
    caveat = privacy["noise_caveat"]
    tail = seeded_tail_probability(0.538, 0.125, 240)
    assert tail > 2e-4 and f"up to {tail:.2g} over a model's 240 steps" in caveat
    assert "above its δ 0.0002" in caveat and "set defense.dp.secure_mode=true" in caveat
    assert "seed in results.json regenerates the noise" in caveat


def test_secure_noise_and_no_noise_carry_no_caveat():
    secure = DPSGD(noise_multiplier=0.6064, target_epsilon=None, secure_mode=True)
    assert "noise_caveat" not in secure.privacy_report([_stats(0.6064, 0.125, 240, 2e-4)],
                                                       dataset={})  # fmt: skip
    none = DPSGD(noise_multiplier=0.0, target_epsilon=None)
    assert "noise_caveat" not in none.privacy_report([_stats(0.0, 0.125, 240, 2e-4)],
                                                     dataset={})  # fmt: skip
