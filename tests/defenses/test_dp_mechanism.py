"""The DP-SGD mechanism that runs is the one the accountant analyses, in both engines.

Every test trains through the engine's entry point (``train_chunk`` with ``DPSGD``), with
``train.engine=opacus`` (one model at a time: Opacus' ``GradSampleModule`` and
``DPOptimizer``) and ``train.engine=stacked`` (the K models at once, the engine's own
DP-SGD), and reads the mechanism off the trained weights: the models are chosen so that the
weights reveal the noise (zero inputs: every per-sample gradient is 0) or which records each
step used (one-hot inputs: record i moves only column i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses import dp_mechanism
from mia_defense.defenses import dp_stacked as private
from mia_defense.defenses.accounting import epsilon_spent
from mia_defense.defenses.dp import DPSGD
from mia_defense.defenses.dp_mechanism import DPSchedule
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.loop import ModelHistory
from tests.training.engines import train_by_engine

PATHS = ("opacus", "stacked")
SOURCES = (False, True)  # secure_mode


def _train(
    path: str,
    models: Sequence[nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    *,
    config: TrainConfig,
    seeds: Sequence[int],
    **dp_settings: object,
) -> list[ModelHistory]:
    """Train ``models[k]`` in place on ``x[masks[k]]`` with DP-SGD through one engine."""
    return train_by_engine(models, x, y, masks, config=config, seeds=seeds, engine=path,
                           defenses=lambda: [DPSGD(**dp_settings)], num_classes=2, test_size=4)


def _linear(inputs: int) -> nn.Module:
    """A bias-free linear model with zero weights: both engines accept it."""
    model = nn.Sequential(nn.Linear(inputs, 2, bias=False))
    with torch.no_grad():
        model[0].weight.zero_()
    return model


def _sgd(epochs: int, batch_size: int, lr: float) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, optimizer="sgd", momentum=0.0)


@pytest.mark.parametrize("secure", SOURCES, ids=["seeded", "secure"])
@pytest.mark.parametrize("path", PATHS)
def test_noise_std_of_one_update_is_sigma_c_over_expected_batch(path, secure):
    """Zero inputs make every per-sample gradient 0, so with plain SGD (lr 1) the weights
    move by the noise alone: each step adds N(0, (σC / E[B])²) per coordinate.

    64 members at batch size 4: q = 1/16, 16 steps, E[B] = 4; σC/E[B] = 2 · 0.5 / 4. The
    40 000 coordinates estimate the std to ±0.35% (one standard error, 1/sqrt(2·40 000));
    the tolerance, 2%, is 5.7 of them, so the secure (unseeded) noise fails it about once
    in 10^8 runs (with 4000 coordinates, as before, it failed about once in 14). Dividing
    by the drawn batch size B ~ Binomial(64, 1/16) instead of E[B] is ~30% off, one
    skipped step 3%, no noise 100%.
    """
    n, inputs, sigma, clip = 64, 20_000, 2.0, 0.5
    x, y = torch.zeros(n, inputs), torch.arange(n) % 2
    model = _linear(inputs)
    histories = _train(
        path, [model], x, y, torch.ones(1, n, dtype=torch.bool), config=_sgd(1, 4, 1.0),
        seeds=[3], noise_multiplier=sigma, max_grad_norm=clip, secure_mode=secure,
    )  # fmt: skip
    schedule = DPSchedule.of(n, 4)
    assert (schedule.expected_batch_size, schedule.steps_per_epoch) == (4, 16)
    steps = int(histories[0].stats["steps"])
    assert steps == 16
    per_step = float(model[0].weight.detach().std()) / math.sqrt(steps)
    assert per_step == pytest.approx(sigma * clip / schedule.expected_batch_size, rel=0.02)


def _inclusion_counts(
    path: str, *, secure: bool, n: int, batch_size: int, epochs: int
) -> tuple[np.ndarray, int]:
    """How many steps used each record, read off the weights, and the steps taken.

    Record i is the one-hot input e_i: only it moves column i, by lr · g_i / E[B] per step
    that includes it (σ = 0, no clipping at C = 10, lr small enough that g_i = softmax(0) -
    onehot(y_i) stays constant to 1e-5).
    """
    lr = 1e-5
    model = _linear(n)
    histories = _train(
        path, [model], torch.eye(n), torch.arange(n) % 2, torch.ones(1, n, dtype=torch.bool),
        config=_sgd(epochs, batch_size, lr), seeds=[11], noise_multiplier=0.0,
        max_grad_norm=10.0, secure_mode=secure,
    )  # fmt: skip
    per_inclusion = lr * math.sqrt(0.5) / DPSchedule.of(n, batch_size).expected_batch_size
    counts = model[0].weight.detach().norm(dim=0).numpy() / per_inclusion
    np.testing.assert_allclose(counts, counts.round(), atol=0.05)  # whole steps
    return counts.round().astype(int), int(histories[0].stats["steps"])


@pytest.mark.parametrize("secure", SOURCES, ids=["seeded", "secure"])
@pytest.mark.parametrize("path", PATHS)
def test_each_record_joins_a_step_with_probability_q(path, secure):
    """64 records, q = 1/8, 256 steps: each count is Binomial(256, 1/8) (mean 32, sd 5.3).

    Every record's rate lies within 5 sd of q (a false alarm ~1e-5 over 64 records), the
    mean within 4 sd, and the spread is binomial: shuffled fixed batches (every record once
    per epoch, variance 0) or sampling with a spread far from binomial fail it. The sample
    variance over 64 records is chi-square(63)/63 times the binomial one: the bounds 0.4 and
    1.9 are each about 4.2 sd out (Wilson-Hilferty), a false alarm of about 3e-5 for the
    secure (unseeded) draws; 0.5 and 1.7, before, were one in about 1,300 runs.
    """
    n, batch_size, epochs = 64, 8, 32
    q = 1 / 8
    counts, steps = _inclusion_counts(
        path, secure=secure, n=n, batch_size=batch_size, epochs=epochs
    )
    assert steps == epochs * 8
    rates = counts / steps
    sd = math.sqrt(q * (1 - q) / steps)
    assert np.all(np.abs(rates - q) < 5 * sd), rates
    assert abs(rates.mean() - q) < 4 * sd / math.sqrt(n)
    variance = counts.var(ddof=1)
    assert 0.4 < variance / (steps * q * (1 - q)) < 1.9, variance


def test_shuffled_batches_fail_the_inclusion_test():
    """The check above catches sampling the accountant does not analyse: with the opt-in
    ``poisson_sampling=false`` every record is used exactly once per epoch."""
    model = _linear(16)
    _train(
        "opacus", [model], torch.eye(16), torch.arange(16) % 2,
        torch.ones(1, 16, dtype=torch.bool), config=_sgd(8, 4, 1e-3), seeds=[1],
        noise_multiplier=0.0, max_grad_norm=10.0, poisson_sampling=False,
        allow_unaccounted_sampling=True,
    )  # fmt: skip
    counts = model[0].weight.detach().norm(dim=0) / (1e-3 * math.sqrt(0.5) / 4)
    torch.testing.assert_close(counts, torch.full((16,), 8.0), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("path", PATHS)
def test_steps_taken_equal_steps_accounted_empty_draws_included(path, monkeypatch):
    """Batch size 1: q = 1/n and about (1 - 1/n)^n = 36% of the draws are empty. Each is a
    noise-only step: the optimiser steps once per draw, and the accountant counts the same.

    Steps taken are counted at the optimiser (``torch.optim.SGD.step``, per parameter that
    has a gradient: the stacked engine holds the models of different step counts in
    different leaves), independently of the DP code's own counters.
    """
    taken: dict[int, int] = {}
    original = torch.optim.SGD.step

    def counting_step(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for group in self.param_groups:  # a stacked leaf holds a group of models
            for param in group["params"]:
                # (the config check steps a one-element dummy parameter once: not a model's)
                if param.grad is not None and param.numel() > 1:
                    taken[id(param)] = taken.get(id(param), 0) + 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", counting_step)
    empty = []
    draw = private.poisson_mask

    def recording_draw(num_samples, rate, source):  # type: ignore[no-untyped-def]
        mask = draw(num_samples, rate, source)
        empty.append(not bool(mask.any()))
        return mask

    monkeypatch.setattr(private, "poisson_mask", recording_draw)
    sizes, epochs = (20, 24, 30), 3
    masks = torch.zeros(3, 30, dtype=torch.bool)
    for k, size in enumerate(sizes):
        masks[k, :size] = True
    models = [_linear(5) for _ in sizes]
    histories = _train(
        path, models, torch.randn(30, 5, generator=torch.Generator().manual_seed(0)),
        torch.arange(30) % 2, masks, config=_sgd(epochs, 1, 0.1), seeds=[1, 2, 3],
        noise_multiplier=1.0,
    )  # fmt: skip
    assert sum(empty) > 0.25 * len(empty)  # the schedule did draw empty batches
    expected = [epochs * size for size in sizes]  # int(1/q) = n draws per epoch
    assert sorted(taken.values()) == expected
    for size, history in zip(sizes, histories, strict=True):
        stats = history.stats
        assert stats["steps"] == epochs * size
        assert stats["sample_rate"] == 1 / size
        assert stats["epsilon"] == epsilon_spent(
            "rdp", ((1.0, 1 / size, epochs * size),), stats["delta"]
        )


@pytest.mark.parametrize("batch_size", [16, 1])
def test_both_engines_run_the_same_mechanism(batch_size):
    """Same seed, same batches, same noise: the Opacus and the stacked engines end at the
    same weights, empty draws (batch size 1) included."""
    x = torch.randn(64, 6, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    masks = torch.ones(1, 64, dtype=torch.bool)
    trained = []
    for path in PATHS:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 2))
        (history,) = _train(
            path, [model], x, y, masks, config=_sgd(2, batch_size, 0.05), seeds=[7],
            noise_multiplier=1.3,
        )  # fmt: skip
        trained.append((model, history.stats))
    (a, stats_a), (b, stats_b) = trained
    assert stats_a == stats_b
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("path", PATHS)
def test_secure_mode_never_draws_from_the_seed(path, monkeypatch):
    """Secure mode reads os.urandom for every draw: the same seed gives different models,
    and the model's seeded generator is never touched."""
    calls = []
    urandom = dp_mechanism.os.urandom
    monkeypatch.setattr(dp_mechanism.os, "urandom", lambda n: calls.append(n) or urandom(n))
    x = torch.randn(40, 4, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 2))
        _train(path, [model], x, y, torch.ones(1, 40, dtype=torch.bool),
               config=_sgd(1, 8, 0.1), seeds=[5], noise_multiplier=1.0, secure_mode=True)
        models.append(model)
    assert len(calls) >= 2 * 5 * 2  # per run: 5 steps, each one sampling and one noise draw
    assert not torch.equal(models[0][0].weight, models[1][0].weight)
    generator = torch.Generator().manual_seed(5)
    state = generator.get_state()
    train_chunk(
        [nn.Sequential(nn.Linear(4, 2))], x=x, y=y, masks=torch.ones(1, 40, dtype=torch.bool),
        x_test=x, y_test=y, num_classes=2, config=_sgd(1, 8, 0.1), generators=[generator],
        defenses=[DPSGD(noise_multiplier=1.0, secure_mode=True)], vectorised=path == "stacked",
        engine=path,
    )  # fmt: skip
    assert torch.equal(generator.get_state(), state)
