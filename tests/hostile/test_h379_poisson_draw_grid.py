"""Poisson sampling's draws fine enough that the rate sampled is the rate accounted (h379)."""

from __future__ import annotations

import math

import torch

from mia_defense.defenses.dp_mechanism import DPSchedule, RandomSource


def _grid_bits(values: torch.Tensor) -> int:
    """The fewest fractional bits b with every value a multiple of 2^-b."""
    x = values.double()
    for bits in range(80):
        if torch.equal(x * 2.0**bits, torch.floor(x * 2.0**bits)):
            return bits
    return 80


def test_a_poisson_draw_samples_no_more_than_the_accounted_rate():
    """`poisson_mask` includes a record when its draw u < q: probability q rounded up to
    the draws' grid 2^-b, so up to 2^-b more than the accountant's q. Seeded draws were
    float32 (b = 24): at 299,593 Poisson draws an epoch (a population of 299,593 at
    train.batch_size=1, or ten times that at 10) the models sampled 1.8 % more often than
    privacy.per_model's sample_rate, and reported an ε below the one spent."""
    rate = DPSchedule.of(299_593, 1).sample_rate
    draws = RandomSource.seeded(torch.Generator().manual_seed(0)).uniform(4096)
    excess = 2.0 ** -_grid_bits(draws)  # the most P(u < q) can exceed q by
    assert excess <= rate * 1e-9, (rate, excess)
    assert math.isclose(float((draws < 0.5).double().mean()), 0.5, abs_tol=0.05)
