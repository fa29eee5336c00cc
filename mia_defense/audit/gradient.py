"""White-box gradient canaries for the one-run audit: Dirac canaries in DP-SGD's clipped sums.

A Dirac canary (Nasr et al. 2023, "Tight Auditing of Differentially Private Machine
Learning"; Steinke et al. 2023, §white-box) is a per-sample gradient that is zero except at
one coordinate of the flat parameter vector. Each model of the run gets ``num`` of them on
distinct random coordinates, each included independently with probability 1/2; an included
canary joins every step like a member (Poisson, at the model's sample rate q), is clipped
like one (its raw size is `CANARY_SIZE` times the clipping norm C, and at least
`CANARY_SIZE`, so that Opacus' factor C / (norm + 1e-6) brings it to C at any C, and a
mechanism that does not clip lets it through whole) and is then noised with the rest of
the sum.

The auditor sees every step's noisy sum at the canary's coordinate (what a white-box auditor
of all iterates reads) and, knowing every other record as DP-SGD's analysis allows (its
guarantee holds for any other data and their gradients), subtracts the members' own clipped
sum there: x, in units of C, is then the canary's clipped gradient when drawn plus the
noise. Each (model, canary) pair is scored by the log-likelihood ratio of "included"
against "excluded" under the claimed mechanism, summed over the steps:
``log(1 - q + q exp((2x - 1) / (2σ²)))`` per step (the Neyman-Pearson test for a Dirac
canary under Poisson-subsampled Gaussian noise, Nasr et al.'s strongest auditor).
``sums`` keeps the plain sum of the noisy coordinate over the steps, the score of an
auditor who does not know the other records' gradients.

Pairs are the audit's canaries: changing one pair's inclusion changes one model's training
set by one record, so the K models together are (max ε, max δ)-DP in each pair, and the
pairs' scores use no other pair's inclusion bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from mia_defense.defenses.dp_mechanism import RandomSource, poisson_mask
from mia_defense.defenses.dp_stacked import PrivateSteps
from mia_defense.errors import ConfigError
from mia_defense.seeding import torch_generator

__all__ = ["CANARY_SIZE", "DiracCanaryAudit", "GradientCanaryScores"]

# A canary gradient's raw size, in units of the clipping norm: clipping brings it to C.
CANARY_SIZE = 10.0


def canary_size(max_grad_norm: float) -> float:
    """A canary's raw size: `CANARY_SIZE` times C, and at least `CANARY_SIZE`. The clip
    factor's 1e-6 (C / (norm + 1e-6), Opacus') brought a canary of 10·C to C/101 at C = 1e-9,
    while its score assumed C: the audit was weaker than it said."""
    return CANARY_SIZE * max(max_grad_norm, 1.0)


class _ChunkCanaries:
    """The Dirac canaries of the K models of one chunk (`GradientCanaries`).

    Each model's inclusion bits and Poisson draws come from a stream of its own, keyed on
    the model's place in the order models train in (``first`` is the chunk's first), and
    the coordinates from one stream for the run: drawn per chunk, a model's canaries were
    those of its chunk's stream, so under another ``train.chunk_size`` (or a CPU's one model
    at a time where a GPU stacks 32) the same run trained and audited other canaries."""

    def __init__(
        self, steps: PrivateSteps, *, num: int, num_params: int, seed: int, first: int
    ) -> None:
        if num > num_params:
            raise ConfigError(
                f"attack.audit_gradient_canaries={num}: more than the model's {num_params} "
                "parameters (each canary needs its own coordinate); lower it"
            )
        models = range(first, first + len(steps.sizes))
        coordinates = torch_generator(seed, "gradient_canary_coordinates")
        self.coordinates = torch.randperm(num_params, generator=coordinates)[:num]
        self.included = torch.stack([
            torch.rand(num, generator=torch_generator(seed, "gradient_canaries", k)) < 0.5
            for k in models
        ])  # fmt: skip
        rates = [float(s.sample_rate) for s in steps.schedules]
        self.rates = torch.tensor(rates, dtype=torch.float64)[:, None]
        self.size = canary_size(steps.max_grad_norm)
        self.unit = steps.max_grad_norm
        self.sigma = steps.sigma
        # the canaries' Poisson draws are the mechanism's secret: secure when its noise is
        secure = any(source.name == "secure" for source in steps.sources)
        self.sources = [
            RandomSource.secure() if secure
            else RandomSource.seeded(torch_generator(seed, "gradient_canary_draws", k))
            for k in models
        ]  # fmt: skip
        k = len(models)
        self.llr = torch.zeros((k, num), dtype=torch.float64)
        self.known = torch.zeros((k, num), dtype=torch.float64)  # sum of x: no noise
        self.sum = torch.zeros((k, num), dtype=torch.float64)
        self.steps = torch.zeros(k, dtype=torch.long)

    def draw(self, counted: torch.Tensor) -> torch.Tensor:
        """Each included canary joins with the model's Poisson draw (`poisson_mask`, as
        the members do)."""
        num = self.included.shape[1]
        drawn = torch.stack([
            poisson_mask(num, float(rate), source)
            for rate, source in zip(self.rates[:, 0], self.sources, strict=True)
        ])  # fmt: skip
        drawn &= self.included & counted.cpu()[:, None]
        return drawn.float() * self.size

    def observe(self, noisy: torch.Tensor, members: torch.Tensor, counted: torch.Tensor) -> None:
        noisy = noisy.detach().double().cpu() / self.unit
        x = noisy - members.detach().double().cpu() / self.unit  # canaries drawn + noise
        rows = counted.cpu()[:, None]
        self.sum += torch.where(rows, noisy, 0.0)
        if self.sigma > 0:
            z = (2 * x - 1) / (2 * self.sigma**2)
            term = torch.logaddexp(torch.log1p(-self.rates), torch.log(self.rates) + z)
            self.llr += torch.where(rows, term, 0.0)
        self.known += torch.where(rows, x, 0.0)
        self.steps += counted.cpu().long()


@dataclass(frozen=True)
class GradientCanaryScores:
    """Every (model, canary) pair of the audited models.

    Attributes:
        scores: [pairs] the log-likelihood ratio (without noise, σ = 0: the sum over the
            steps of the canary's drawn gradients).
        included: [pairs] bool, the truth.
        sums: [pairs] the sum over steps of the noisy coordinate, in units of C (the data's
            own gradient left in).
        models: how many models carried canaries.
    """

    scores: np.ndarray
    included: np.ndarray
    sums: np.ndarray
    models: int


class DiracCanaryAudit:
    """The factory `mia_defense.defenses.dp_stacked.gradient_canaries` calls once per chunk of
    models; it keeps every chunk's canaries for the audit.

    Args:
        num: canaries per model.
        seed: the run's seed (coordinates, inclusion and draws come from their own stream).
    """

    def __init__(self, *, num: int, seed: int) -> None:
        if num < 1:
            raise ConfigError(f"attack.audit_gradient_canaries={num}: must be >= 1")
        self.num = num
        self.seed = seed
        self.chunks: list[_ChunkCanaries] = []

    def __call__(self, steps: PrivateSteps, num_params: int) -> _ChunkCanaries:
        # (the chunks train in one order of the models whatever their size: a model's
        # place in it keys its canaries)
        first = sum(len(chunk.included) for chunk in self.chunks)
        chunk = _ChunkCanaries(steps, num=self.num, num_params=num_params, seed=self.seed,
                               first=first)  # fmt: skip
        self.chunks.append(chunk)
        return chunk

    def scores(self) -> GradientCanaryScores:
        """The pairs of every model that took at least one step with canaries."""
        scores, included, sums = [], [], []
        for chunk in self.chunks:
            rows = chunk.steps > 0
            # a σ whose square underflows (noise_multiplier=1e-200) made the ratio ±inf or
            # NaN, and the bound refused it after training: the noise is then nil, and the
            # sum of the canary's drawn gradients is the score, as at σ = 0
            noisy = chunk.sigma > 0 and math.isfinite(chunk.sigma)
            noisy = noisy and bool(torch.isfinite(chunk.llr[rows]).all())
            scores.append((chunk.llr if noisy else chunk.known)[rows])
            included.append(chunk.included[rows])
            sums.append(chunk.sum[rows])
        if not scores:
            empty = np.zeros(0)
            return GradientCanaryScores(empty, empty.astype(bool), empty, 0)
        return GradientCanaryScores(
            scores=torch.cat(scores).flatten().numpy(),
            included=torch.cat(included).flatten().numpy(),
            sums=torch.cat(sums).flatten().numpy(),
            models=int(sum(int((c.steps > 0).sum()) for c in self.chunks)),
        )
