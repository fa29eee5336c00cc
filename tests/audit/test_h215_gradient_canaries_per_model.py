"""The one-run audit's gradient canaries were drawn per chunk of models (coordinates,
inclusion bits and Poisson draws from the chunk's stream), so the same run under another
train.chunk_size (or on a CPU that trains a costly model one at a time where a GPU stacks
32) trained and audited other canaries, though K models stacked end where K models trained
one at a time end. Each model's canaries now come from streams keyed on its place in the
training order, the coordinates from one stream for the run."""

from __future__ import annotations

import pytest
import torch

from mia_defense.audit import DiracCanaryAudit
from mia_defense.defenses.dp_mechanism import RandomSource
from mia_defense.defenses.dp_stacked import PrivateSteps, gradient_canaries

MODELS, PARAMS, STEPS = 4, 300, 30
SIZES = [100, 120, 120, 150]  # (sample rates, and so steps per epoch, differ per model)


def _audited(widths: list[int], *, secure: bool = False) -> DiracCanaryAudit:
    """The canaries' record of ``STEPS`` DP-SGD steps of the models trained in chunks of
    ``widths`` (in order), each model with its own source and members' clipped sums."""
    audit = DiracCanaryAudit(num=50, seed=3)
    first = 0
    for width in widths:
        models = range(first, first + width)
        with gradient_canaries(audit):
            steps = PrivateSteps(
                sizes=[SIZES[k] for k in models], batch_size=20, sigma=1.0, max_grad_norm=1.0,
                deltas=[1e-5] * width, accountant="rdp",
                sources=[RandomSource.secure() if secure else
                         RandomSource.seeded(torch.Generator().manual_seed(100 + k))
                         for k in models],
            )  # fmt: skip
        data = [torch.Generator().manual_seed(200 + k) for k in models]
        for _ in range(STEPS):
            sums = torch.stack([torch.randn(PARAMS, generator=g) for g in data])
            steps.noisy_grads({"w": sums}, ["w"], torch.ones(width, dtype=torch.bool))
        first += width
    return audit


@pytest.mark.parametrize("widths", [[1, 1, 1, 1], [2, 2], [3, 1]])
def test_the_canaries_and_their_scores_do_not_depend_on_the_chunks(widths):
    whole, split = _audited([MODELS]), _audited(widths)
    assert [len(c.included) for c in split.chunks] == widths
    for chunk in split.chunks:
        assert torch.equal(chunk.coordinates, whole.chunks[0].coordinates)
    assert torch.equal(torch.cat([c.included for c in split.chunks]), whole.chunks[0].included)
    a, b = whole.scores(), split.scores()
    assert a.models == b.models == MODELS
    assert (a.included == b.included).all()
    assert a.scores == pytest.approx(b.scores, rel=1e-9, abs=1e-9)
    assert a.sums == pytest.approx(b.sums, rel=1e-6, abs=1e-6)


def test_models_get_canaries_of_their_own():
    included = _audited([MODELS]).chunks[0].included
    assert 0.3 < included.float().mean() < 0.7
    assert len({tuple(row.tolist()) for row in included}) == MODELS


def test_secure_draws_still_come_from_the_operating_system():
    chunk = _audited([2, 2], secure=True).chunks[0]
    assert {source.name for source in chunk.sources} == {"secure"}
