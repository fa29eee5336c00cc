"""The DP-SGD mechanism both engines share: schedule, Poisson sampling, Gaussian noise.

The stacked engine (`mia_defense.defenses.dp_stacked`) and Opacus' ``GradSampleModule`` and
``DPOptimizer`` (``train.engine=opacus``, ``dp.py``) draw every batch with `poisson_mask`
and every noise vector with `gaussian_noise`, on the schedule of `DPSchedule`, so the
mechanism that runs is the one the accountant analyses, in either engine:

- every step draws a Poisson batch at rate q (each member joins independently), and an empty
  draw is still a step: the noise alone is added and the step is counted (as Opacus does);
- the clipped sum gets N(0, (σC)²) noise and is divided by the expected batch size
  ``E[B] = int(n · q)``, so one update's noise has standard deviation σC / E[B];
- an epoch is ``int(1 / q)`` draws (Opacus' ``UniformWithReplacementSampler``).

Randomness comes from a `RandomSource`: ``seeded`` (the model's generator, from the run's
seed: reproducible) or ``secure`` (the operating system's CSPRNG, ``os.urandom``, for every
draw: never reproducible, never derived from the seed).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "NOISE_SOURCES",
    "DPSchedule",
    "RandomSource",
    "gaussian_noise",
    "poisson_mask",
]

NOISE_SOURCES = ("seeded", "secure")


class RandomSource:
    """Where DP-SGD's sampling and noise come from.

    ``seeded``: a ``torch.Generator`` derived from the run's seed. Runs are reproducible, but
    whoever knows the seed (it is in results.json) can regenerate the noise and the batches,
    so the guarantee then holds only against someone who does not know the seed.

    ``secure``: 64 bits from ``os.urandom`` (the OS CSPRNG) per uniform draw, Gaussians by
    Box-Muller in float64, each noise value the sum of four such draws halved (Opacus'
    ``secure_mode`` guard against floating-point attacks, arXiv 2107.10138). Opacus' own
    secure mode needs ``torchcsprng``, which has no build for current torch.
    """

    def __init__(self, generator: torch.Generator | None) -> None:
        self.generator = generator

    @classmethod
    def seeded(cls, generator: torch.Generator) -> RandomSource:
        """Draws from ``generator`` (reproducible)."""
        return cls(generator)

    @classmethod
    def secure(cls) -> RandomSource:
        """Draws from the OS CSPRNG (not reproducible)."""
        return cls(None)

    @property
    def name(self) -> str:
        """``seeded`` or ``secure`` (results.json's ``privacy.noise_source``)."""
        return "seeded" if self.generator is not None else "secure"

    def uniform(self, size: int, *, device: torch.device | str = "cpu") -> torch.Tensor:
        """``size`` independent U[0, 1) draws, float64: a Poisson draw ``u < q`` includes a
        record with probability q rounded up to the draws' grid, which in float32 (2^-24)
        sampled more than the accountant's q (1.8 % more at q = 1/299593: ε understated)."""
        if self.generator is not None:
            return torch.rand(size, generator=self.generator, device=self.generator.device,
                              dtype=torch.float64).to(device)  # fmt: skip
        return _secure_uniform(size).to(device)

    def normal(
        self, size: int, std: float, *, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``size`` independent N(0, std²) draws, float32."""
        if self.generator is not None:
            return torch.normal(
                0.0, std, (size,), generator=self.generator, device=self.generator.device
            ).to(device)
        total = sum(_secure_standard_normal(size) for _ in range(4))
        return (total * (std / 2.0)).to(device=device, dtype=torch.float32)


def _secure_uniform(size: int) -> torch.Tensor:
    """U[0, 1) in float64 from 53 bits of ``os.urandom`` each."""
    bits = np.frombuffer(os.urandom(8 * size), dtype=np.uint64) >> np.uint64(11)
    return torch.from_numpy(bits.astype(np.float64) * 2.0**-53)


def _secure_standard_normal(size: int) -> torch.Tensor:
    """N(0, 1) in float64 by Box-Muller from `_secure_uniform` draws."""
    half = (size + 1) // 2
    radius = torch.sqrt(-2.0 * torch.log1p(-_secure_uniform(half)))  # 1 - U lies in (0, 1]
    angle = 2.0 * math.pi * _secure_uniform(half)
    return torch.cat([radius * torch.cos(angle), radius * torch.sin(angle)])[:size]


def poisson_mask(num_samples: int, rate: float, source: RandomSource) -> torch.Tensor:
    """[num_samples] bool: which records join this step's batch, each with probability
    ``rate`` independently (Opacus' ``UniformWithReplacementSampler``; may be all False)."""
    return source.uniform(num_samples) < rate


def gaussian_noise(
    numel: int, std: float, source: RandomSource, *, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """[numel] float32 N(0, std²) noise for one step's flattened clipped sum (zeros, with no
    draw, when ``std`` is 0, as Opacus)."""
    if std == 0:
        return torch.zeros(numel, device=device)
    return source.normal(numel, std, device=device)


@dataclass(frozen=True)
class DPSchedule:
    """Opacus' schedule for ``num_members`` records at a nominal ``batch_size``.

    Attributes:
        sample_rate: q = 1 / ceil(n / B) (Opacus: ``1 / len(data_loader)``).
        steps_per_epoch: ``int(1 / q)`` Poisson draws per epoch, empty ones included.
        expected_batch_size: E[B] = int(n · q), the divisor of the noisy sum.
    """

    sample_rate: float
    steps_per_epoch: int
    expected_batch_size: int

    @classmethod
    def of(cls, num_members: int, batch_size: int) -> DPSchedule:
        """The schedule of ``num_members`` records at ``batch_size``."""
        batches = math.ceil(num_members / batch_size)
        # n // batches is int(n * q) without float rounding (49 * (1/49) < 1 in floats).
        return cls(1.0 / batches, batches, max(1, num_members // batches))
