"""Train the K models of a plan as one stacked computation, DP-SGD included.

Each model keeps its own members, its own batch order (the same generator and calls as
``training.loop.shuffled_batches``), its own optimiser state and its own seed, so with the
same initialisation it ends where the sequential ``train_ensemble`` loop ends (within
float rounding). Models and defenses the stacked path cannot reproduce fall back to that
loop (see :func:`batching_blocker`).

DP-SGD follows Opacus step for step: Poisson sampling at rate ``1 / ceil(n / B)``, each
sample's gradient clipped to ``max_grad_norm`` (norms from activations and output
gradients, as Opacus' ghost clipping), Gaussian noise of std ``noise_multiplier *
max_grad_norm`` on the sum, division by the expected batch size ``int(n * rate)``; an empty
draw is a noise-only step, counted. Sampling, noise and schedule are the per-model path's
own (`mia_defense.defenses.dp_mechanism`); ε comes from Opacus' accountants with the same
rate, noise multiplier and step count.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from mia_defense.defenses.accounting import (
    default_delta,
    epsilon_spent,
    shared_noise_multiplier,
)
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.dp_mechanism import (
    DPSchedule,
    RandomSource,
    gaussian_noise,
    poisson_mask,
)
from mia_defense.errors import ConfigError
from mia_defense.seeding import derive_seed
from mia_defense.training.checkpoints import checkpoint_path, load_model, save_model
from mia_defense.training.config import TrainConfig, records_epoch, resolve_device
from mia_defense.training.divergence import check_trained
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory, stage_models
from mia_defense.training.stacked import StackedMLP, stacking_blocker
from mia_defense.training.stacked_optim import make_stacked_optimizer

__all__ = [
    "BatchedDP",
    "BatchedRecipe",
    "batched_recipe",
    "batching_blocker",
    "dp_clipped_grad_sum",
    "train_ensemble_batched",
    "train_stacked",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchedDP:
    """DP-SGD settings of the stacked path (mirrors ``defenses.dp.DPSGD``).

    Attributes:
        max_grad_norm: per-sample clipping norm C.
        noise_multiplier: σ, or ``None`` to derive it from ``target_epsilon``.
        target_epsilon: ε to spend over the planned epochs (with ``noise_multiplier=None``).
        delta: δ, or ``None`` for 1 / (10 · members) as ``DPSGD`` does.
        accountant: Opacus accountant: ``rdp``, ``prv`` or ``gdp``.
        poisson_sampling: Poisson batches (else shuffled fixed-size batches, which
            ``DPSGD`` accepts only with ``allow_unaccounted_sampling``).
        secure_mode: sampling and noise from the OS CSPRNG instead of each model's seed.
    """

    max_grad_norm: float = 1.0
    noise_multiplier: float | None = None
    target_epsilon: float | None = None
    delta: float | None = None
    accountant: str = "rdp"
    poisson_sampling: bool = True
    secure_mode: bool = False

    def __post_init__(self) -> None:
        if (self.noise_multiplier is None) == (self.target_epsilon is None):
            raise ConfigError(
                f"defense.dp.noise_multiplier={self.noise_multiplier}, defense.dp.target_epsilon="
                f"{self.target_epsilon}: set exactly one of them (the other to null)"
            )

    def source(self, generator: torch.Generator) -> RandomSource:
        """A model's randomness: its ``generator`` (seeded) or the OS CSPRNG (secure)."""
        return RandomSource.secure() if self.secure_mode else RandomSource.seeded(generator)


@dataclass(frozen=True)
class BatchedRecipe:
    """What the stacked path does for the recipe's training-time defenses.

    Attributes:
        dp: DP-SGD settings (``defense.dp``), or ``None``.
        weight_decay: the L2 coefficient replacing ``train.weight_decay``
            (``defense.weight_decay``), or ``None``.
    """

    dp: BatchedDP | None = None
    weight_decay: float | None = None

    def apply(self, config: TrainConfig) -> TrainConfig:
        """``config`` with the defenses' weight decay in place."""
        if self.weight_decay is None:
            return config
        return replace(config, weight_decay=self.weight_decay)


def batched_recipe(defenses: Sequence[TrainingDefense]) -> tuple[BatchedRecipe, str | None]:
    """Map the recipe's defenses onto the stacked path: ``(recipe, blocker)``.

    ``blocker`` says why the stacked path cannot reproduce the defenses (``None``: it can).
    Supported: none, ``DPSGD`` and ``WeightDecay``.
    """
    from mia_defense.defenses.dp import DPSGD  # the DP defense depends on Opacus' engine
    from mia_defense.defenses.regularization import WeightDecay

    dp: BatchedDP | None = None
    weight_decay: float | None = None
    for defense in defenses:
        if type(defense) is DPSGD:
            dp = BatchedDP(
                max_grad_norm=defense.max_grad_norm,
                noise_multiplier=defense.noise_multiplier,
                target_epsilon=defense.target_epsilon,
                delta=defense.delta,
                accountant=defense.accountant,
                poisson_sampling=defense.poisson_sampling,
                secure_mode=defense.secure_mode,
            )
        elif type(defense) is WeightDecay:
            weight_decay = defense.coefficient
        else:
            name = f"{defense.name!r} ({type(defense).__name__})"
            return BatchedRecipe(), f"defense {name} has no stacked form"
    return BatchedRecipe(dp=dp, weight_decay=weight_decay), None


def batching_blocker(
    model: nn.Module, *, input_shape: Sequence[int], defenses: Sequence[TrainingDefense]
) -> str | None:
    """Why the K models cannot be trained as one stacked ensemble, or ``None`` if they can."""
    reason = stacking_blocker(model, input_shape)
    if reason is None:
        reason = batched_recipe(defenses)[1]
    return reason


# -- batch schedules -------------------------------------------------------------------


@dataclass
class _Batch:
    """One step for every model: positions into each model's member list."""

    pos: torch.Tensor  # [K, b] positions (clamped; check ``valid``)
    valid: torch.Tensor  # [K, b] bool
    counts: torch.Tensor  # [K] samples per model
    rows: torch.Tensor | None  # models that step (``None``: all of them)


def _make_batch(pos: torch.Tensor, valid: torch.Tensor) -> _Batch:
    counts = valid.sum(dim=1)
    active = counts > 0
    rows = None if bool(active.all()) else active.nonzero().flatten()
    return _Batch(pos.clamp(min=0), valid, counts, rows)


def _shuffled_epoch(
    sizes: Sequence[int],
    generators: Sequence[torch.Generator],
    batch_size: int,
) -> list[_Batch]:
    """The batches of ``shuffled_batches`` for every model, one step at a time."""
    device = generators[0].device
    perms = torch.full((len(sizes), max(sizes)), -1, dtype=torch.long, device=device)
    for k, (size, gen) in enumerate(zip(sizes, generators, strict=True)):
        perms[k, :size] = torch.randperm(size, generator=gen, device=device)
    batches = []
    for start in range(0, max(sizes), batch_size):
        pos = perms[:, start : start + batch_size]
        batches.append(_make_batch(pos, pos >= 0))
    return batches


def _poisson_step(
    sizes: Sequence[int],
    sources: Sequence[RandomSource],
    rates: Sequence[float],
    scheduled: Sequence[bool],
    device: torch.device,
) -> _Batch:
    """One Poisson batch (`poisson_mask`) per scheduled model; every scheduled model steps,
    on its noise alone when its draw is empty, as the accountant assumes."""
    chosen = torch.zeros((len(sizes), max(sizes)), dtype=torch.bool, device=device)
    for k, (size, source) in enumerate(zip(sizes, sources, strict=True)):
        if scheduled[k]:
            chosen[k, :size] = poisson_mask(size, rates[k], source).to(device)
    width = int(chosen.sum(dim=1).max())
    # Chosen positions first, in increasing order (a stable sort of "not chosen").
    pos = torch.argsort((~chosen).to(torch.int8), dim=1, stable=True)[:, :width]
    valid = torch.gather(chosen, 1, pos)
    rows = None if all(scheduled) else torch.tensor(scheduled, device=device).nonzero().flatten()
    return _Batch(pos, valid, valid.sum(dim=1), rows)


# -- the stacked training loop ----------------------------------------------------------


@dataclass
class _DPState:
    """Per-model DP quantities of one chunk."""

    settings: BatchedDP
    schedules: list[DPSchedule]  # [K] sample rate, draws per epoch, expected batch size
    sources: list[RandomSource]  # [K] where each model's sampling and noise come from
    sigmas: list[float]
    deltas: list[float]
    expected_batch: torch.Tensor  # [K] float
    steps: list[int]  # steps taken (and accounted) so far, empty draws included

    @property
    def rate_values(self) -> list[float]:
        return [s.sample_rate for s in self.schedules]

    def epsilon(self, k: int) -> float:
        """ε spent by model k so far (0 before any step, ∞ without noise), as ``DPSGD``."""
        if self.steps[k] == 0:
            return 0.0
        if not self.sigmas[k]:
            return math.inf
        history = ((float(self.sigmas[k]), float(self.rate_values[k]), int(self.steps[k])),)
        return epsilon_spent(self.settings.accountant, history, float(self.deltas[k]))


def _dp_state(
    dp: BatchedDP,
    sizes: Sequence[int],
    config: TrainConfig,
    generators: Sequence[torch.Generator],
) -> _DPState:
    schedules = [DPSchedule.of(n, config.batch_size) for n in sizes]
    deltas = [default_delta(dp.delta, n) for n in sizes]
    sigma = _shared_sigma(dp, schedules, deltas, config.epochs)
    sigmas = [sigma] * len(sizes)
    return _DPState(
        settings=dp,
        schedules=schedules,
        sources=[dp.source(gen) for gen in generators],
        sigmas=sigmas,
        deltas=deltas,
        expected_batch=torch.tensor(
            [s.expected_batch_size for s in schedules], dtype=torch.float32,
            device=generators[0].device,
        ),
        steps=[0] * len(sizes),
    )


def _shared_sigma(
    dp: BatchedDP, schedules: Sequence[DPSchedule], deltas: Sequence[float], epochs: int
) -> float:
    """One σ for the models of these schedules: the configured one, else the largest any of
    them needs to spend at most the target ε (each model's own ε is still accounted)."""
    return shared_noise_multiplier(
        noise_multiplier=dp.noise_multiplier,
        target_epsilon=dp.target_epsilon,
        accountant=dp.accountant,
        runs=[
            (s.sample_rate, epochs * s.steps_per_epoch, delta)
            for s, delta in zip(schedules, deltas, strict=True)
        ],
    )


def _resolve_shared_sigma(dp: BatchedDP, sizes: Sequence[int], config: TrainConfig) -> BatchedDP:
    """``dp`` with the σ shared by all K models (member counts ``sizes``) fixed, so that every
    chunk, and a resumed run, trains with the same σ."""
    if dp.noise_multiplier is not None:
        return dp
    schedules = [DPSchedule.of(n, config.batch_size) for n in sizes]
    deltas = [default_delta(dp.delta, n) for n in sizes]
    sigma = _shared_sigma(dp, schedules, deltas, config.epochs)
    return replace(dp, noise_multiplier=sigma, target_epsilon=None)


def _dropout_masks(
    stack: StackedMLP, counts: Sequence[int], width: int, generators: Sequence[torch.Generator]
) -> list[torch.Tensor]:
    """Scaled keep-masks drawn as ``F.dropout`` draws them, from each model's own RNG."""
    masks = []
    for p, hidden in zip(stack.dropout_probs, stack.hidden_widths(), strict=True):
        mask = torch.zeros((len(counts), width, hidden))
        for k, (count, gen) in enumerate(zip(counts, generators, strict=True)):
            if count:
                mask[k, :count] = torch.empty((count, hidden)).bernoulli_(1 - p, generator=gen)
        masks.append(mask.div_(1 - p))
    return masks


def _step_gradient(
    stack: StackedMLP,
    x: torch.Tensor,
    y: torch.Tensor,
    batch: _Batch,
    *,
    dropout_masks: Sequence[torch.Tensor] = (),
    max_grad_norm: float | None = None,
) -> torch.Tensor:
    """Gradients [K, P] of each model's mean loss, or (DP) each model's clipped sum.

    Args:
        x, y: the batch, [K, b, D] and [K, b].
        max_grad_norm: clip each sample's gradient to this norm and sum (``None``: mean).
    """
    logits, tape = stack.forward(x, dropout_masks=dropout_masks, record=True)
    assert tape is not None
    weight = batch.valid.to(logits.dtype)
    if max_grad_norm is None:
        weight = weight / batch.counts.clamp(min=1).unsqueeze(1)
    # d(cross-entropy)/d(logits) = softmax - one-hot, per sample, times its weight
    grad_logits = _softmax(logits)
    grad_logits.scatter_add_(-1, y.unsqueeze(-1), grad_logits.new_full((*y.shape, 1), -1.0))
    grad_logits.mul_(weight.unsqueeze(-1))
    out_grads = stack.backward(tape, grad_logits)
    if max_grad_norm is not None:  # Opacus: min(1, C / (norm + 1e-6)) per sample
        norms = stack.per_sample_norms(tape.inputs, out_grads)
        clip = (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
        out_grads = [g * clip.unsqueeze(-1) for g in out_grads]
    return stack.grads_from(tape.inputs, out_grads)


def _softmax(logits: torch.Tensor) -> torch.Tensor:
    """``softmax`` over the last axis, written out: torch's kernel is slow on CPU when that
    axis is as short as a class axis."""
    out = (logits - logits.amax(-1, keepdim=True)).exp_()
    return out.div_(out.sum(-1, keepdim=True))


def _loss_and_hits(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample cross-entropy and correctness [K, B]; ``y`` is [K, B] or [B] (shared).

    Written out (``logsumexp``, ``argmax`` are slow on a short class axis on CPU); a sample
    counts as correct when its label's logit is the largest (ties: measure zero).
    """
    top = logits.amax(-1, keepdim=True)
    log_normaliser = (logits - top).exp_().sum(-1).log_()
    picked = logits.gather(-1, y.expand(logits.shape[:-1]).unsqueeze(-1)).squeeze(-1)
    top = top.squeeze(-1)
    return log_normaliser.add_(top).sub_(picked), picked >= top


class _EvalSet:
    """Every model's members followed by the shared test set: the curves' inputs.

    One ``bmm`` over ``[K, members + test, D]`` evaluates both splits of every model at
    once. The inputs are gathered once when they fit in ``budget_bytes``; otherwise each
    evaluation gathers them a slice of samples at a time.
    """

    def __init__(
        self,
        flat_x: torch.Tensor,
        y: torch.Tensor,
        members: torch.Tensor,
        member_valid: torch.Tensor,
        x_test: torch.Tensor,
        y_test: torch.Tensor,
        *,
        budget_bytes: int = 64 << 20,
    ) -> None:
        num, self.num_members = members.shape
        test_idx = torch.arange(len(y_test), device=members.device) + len(y)
        self.x = torch.cat([flat_x, x_test])
        self.index = torch.cat([members, test_idx.expand(num, -1)], dim=1)  # [K, M]
        self.y = torch.cat([y, y_test])[self.index]
        self.member_valid = member_valid
        row_bytes = num * self.x.shape[1] * self.x.element_size()
        self.slice = max(1, budget_bytes // row_bytes)
        self.cached = self.x[self.index] if self.index.shape[1] <= self.slice else None

    @torch.no_grad()
    def evaluate(self, stack: StackedMLP) -> list[tuple[float, float, float, float]]:
        """Per model: mean loss and accuracy on its members, then on the test set."""
        losses, hits = [], []
        for start in range(0, self.index.shape[1], self.slice):
            stop = start + self.slice
            x = self.cached if self.cached is not None else self.x[self.index[:, start:stop]]
            loss, hit = _loss_and_hits(stack.forward(x)[0], self.y[:, start:stop])
            losses.append(loss)
            hits.append(hit)
        loss, hit = torch.cat(losses, dim=1), torch.cat(hits, dim=1)
        split = self.num_members
        valid, counts = self.member_valid, self.member_valid.sum(1)
        scores = (
            (loss[:, :split] * valid).sum(1) / counts,
            (hit[:, :split] & valid).sum(1) / counts,
            loss[:, split:].mean(1),
            hit[:, split:].float().mean(1),
        )
        return list(zip(*(score.tolist() for score in scores), strict=True))


def train_stacked(
    models: Sequence[nn.Module],
    *,
    x: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    config: TrainConfig,
    model_seeds: Sequence[int],
    dropout_states: Sequence[torch.Tensor] | None = None,
    dp: BatchedDP | None = None,
    progress: tqdm | None = None,
) -> list[ModelHistory]:
    """Train ``models`` (initialised, same architecture) in place, model k on ``x[masks[k]]``.

    Args:
        models: K modules accepted by :func:`stacking_blocker`; trained in place.
        x, y: the population [N, ...], [N] on the training device.
        masks: [K, N] bool membership.
        x_test, y_test: held-out data for the test curves.
        config: the training settings.
        model_seeds: per-model seeds: batch order (and DP sampling and noise) come from
            ``torch.Generator().manual_seed(seed)``, as in the sequential loop.
        dropout_states: per-model global RNG states right after the model was built (what
            ``nn.Dropout`` draws from in the sequential loop); ``None``: fresh seeds.
        dp: DP-SGD settings, or ``None`` for plain training.
        progress: a bar to advance by one per epoch.

    Returns:
        Each model's per-epoch history (and, under DP, ε, δ and σ in ``stats``).
    """
    device = x.device
    stack = StackedMLP.from_models(models, device=device)
    optimizer = make_stacked_optimizer(stack.flat, config)
    num = len(models)
    flat_x = x.flatten(1)
    member_lists = [m.nonzero().flatten() for m in masks]
    sizes = [len(m) for m in member_lists]
    if min(sizes) == 0:
        raise ConfigError("plan: a model has no members; raise plan.population_size")
    members = torch.zeros((num, max(sizes)), dtype=torch.long, device=device)
    member_valid = torch.zeros((num, max(sizes)), dtype=torch.bool, device=device)
    for k, idx in enumerate(member_lists):
        members[k, : len(idx)] = idx
        member_valid[k, : len(idx)] = True
    eval_set = _EvalSet(flat_x, y, members, member_valid, x_test.flatten(1), y_test)
    generators = [torch.Generator(device=device).manual_seed(s) for s in model_seeds]
    dropout_gens: list[torch.Generator] = []
    if stack.dropout_probs:
        for k, seed in enumerate(model_seeds):
            gen = torch.Generator()
            if dropout_states is not None:
                gen.set_state(dropout_states[k])
            else:
                gen.manual_seed(seed)
            dropout_gens.append(gen)
    state = _dp_state(dp, sizes, config, generators) if dp is not None else None
    histories = [ModelHistory() for _ in models]
    for epoch in range(config.epochs):
        if state is not None and state.settings.poisson_sampling:
            batches = _poisson_epoch(sizes, state)
        else:
            batches = iter(_shuffled_epoch(sizes, generators, config.batch_size))
        for batch in batches:
            idx = members.gather(1, batch.pos)
            drop = (
                _dropout_masks(stack, batch.counts.tolist(), idx.shape[1], dropout_gens)
                if dropout_gens
                else ()
            )
            clip = None if state is None else state.settings.max_grad_norm
            if idx.shape[1]:
                grad = _step_gradient(
                    stack, flat_x[idx], y[idx], batch, dropout_masks=drop, max_grad_norm=clip
                )
            else:  # every scheduled draw was empty: noise-only steps
                grad = stack.flat.new_zeros(stack.flat.shape)
            if state is not None:
                grad = _add_noise(grad, batch, state)
            optimizer.step(grad, batch.rows)
        if records_epoch(config, epoch):
            scores = eval_set.evaluate(stack)
            for k, history in enumerate(histories):
                history.epochs.append(EpochRecord(epoch, *scores[k]))
        for k, history in enumerate(histories):
            history.epoch_stats.append(
                {} if state is None else {"epsilon": state.epsilon(k)}
            )
        if progress is not None:
            progress.update(1)
    stack.write_to(models)
    if state is not None:
        for k, history in enumerate(histories):
            history.stats.update(
                epsilon=state.epsilon(k),
                delta=float(state.deltas[k]),
                noise_multiplier=float(state.sigmas[k]),
                sample_rate=float(state.schedules[k].sample_rate),
                steps=float(state.steps[k]),
            )
    return histories


def _poisson_epoch(sizes: Sequence[int], state: _DPState) -> Iterator[_Batch]:
    """An epoch of Poisson batches: each model's ``steps_per_epoch`` draws, empty ones
    included."""
    steps = [s.steps_per_epoch for s in state.schedules]
    for step in range(max(steps)):
        scheduled = [s > step for s in steps]
        yield _poisson_step(
            sizes, state.sources, state.rate_values, scheduled, state.expected_batch.device
        )


def _add_noise(grad: torch.Tensor, batch: _Batch, state: _DPState) -> torch.Tensor:
    """Clipped sums + `gaussian_noise` N(0, (σC)²) from each model's own source, over the
    expected batch; counts the step of each model that takes one."""
    noise = torch.zeros_like(grad)
    rows = range(len(state.sources)) if batch.rows is None else batch.rows.tolist()
    std = state.settings.max_grad_norm
    for k in rows:
        noise[k] = gaussian_noise(
            grad.shape[1], state.sigmas[k] * std, state.sources[k], device=grad.device
        )
        state.steps[k] += 1
    return (grad + noise) / state.expected_batch.unsqueeze(1)


@torch.no_grad()
def dp_clipped_grad_sum(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, max_grad_norm: float
) -> list[torch.Tensor]:
    """Sum over the batch of each sample's gradient clipped to ``max_grad_norm``.

    The stacked path's computation for one model, returned per parameter in
    ``model.parameters()`` order (what Opacus' ``DPOptimizer`` holds in ``summed_grad``).
    """
    stack = StackedMLP.from_models([model])
    valid = torch.ones((1, len(y)), dtype=torch.bool)
    batch = _make_batch(torch.arange(len(y)).unsqueeze(0), valid)
    grad = _step_gradient(
        stack, x.flatten(1).unsqueeze(0), y.unsqueeze(0), batch, max_grad_norm=max_grad_norm
    )[0]
    out, offset = [], 0
    for param in model.parameters():
        out.append(grad[offset : offset + param.numel()].view_as(param))
        offset += param.numel()
    return out


# -- the ensemble driver ----------------------------------------------------------------


def _usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def intra_op_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads (0: every core this process may
    use), then restore the previous setting.

    The stacked path's ops are large enough to share out over cores; the per-model loop's
    are not (see ``TrainConfig.threads``).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or _usable_cores())
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def train_ensemble_batched(
    *,
    build_model: Callable[[], nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    masks: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    config: TrainConfig,
    seed: int,
    recipe: BatchedRecipe | None = None,
    checkpoint_dir: Path | None = None,
    stage: str = "model",
    progress: bool = True,
    chunk_size: int = 32,
    fingerprint: str | None = None,
) -> Ensemble:
    """``train_ensemble`` for stackable models: same seeds, checkpoints and histories.

    Models whose checkpoint exists are loaded; the others are trained ``chunk_size`` at a
    time (bounding memory) and each is checkpointed when its chunk ends. ``recipe`` carries
    the defenses' stacked form (:func:`batched_recipe`; ``None``: plain training).
    """
    recipe = recipe or BatchedRecipe()
    config = recipe.apply(config)
    if chunk_size < 1:
        raise ConfigError(f"chunk_size={chunk_size}: must be >= 1")
    if recipe.dp is not None and len(masks) and min(int(m.sum()) for m in masks) > 0:
        sizes = [int(m.sum()) for m in masks]
        recipe = replace(recipe, dp=_resolve_shared_sigma(recipe.dp, sizes, config))
    device = resolve_device(config.device)
    x_all = torch.as_tensor(x, dtype=torch.float32, device=device)
    y_all = torch.as_tensor(y, dtype=torch.long, device=device)
    x_te = torch.as_tensor(x_test, dtype=torch.float32, device=device)
    y_te = torch.as_tensor(y_test, dtype=torch.long, device=device)
    num = len(masks)
    models: list[nn.Module] = []
    histories: list[ModelHistory | None] = [None] * num
    pending: list[tuple[int, int, torch.Tensor]] = []  # (k, seed, RNG state after build)
    for k in range(num):
        model_seed = derive_seed(seed, stage, k)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(model_seed)
            model = build_model()
            rng_state = torch.get_rng_state()
        path = checkpoint_path(checkpoint_dir, k) if checkpoint_dir is not None else None
        if path is not None and path.exists():
            histories[k] = load_model(path, model, fingerprint=fingerprint)
        else:
            pending.append((k, model_seed, rng_state))
        models.append(model)
    if len(pending) < num:
        log.info(
            "resuming: %d of %d %s already trained", num - len(pending), num, stage_models(stage)
        )
    # Models with similar member counts train side by side: a chunk then pads its batches
    # less, and its models stay in step (runs of equal Adam step counts stay contiguous).
    pending.sort(key=lambda item: (int(masks[item[0]].sum()), item[0]))
    chunks = [pending[i : i + chunk_size] for i in range(0, len(pending), chunk_size)]
    with (
        intra_op_threads(config.threads),
        tqdm(
            total=len(chunks) * config.epochs,
            desc=f"training {stage_models(stage)} ({len(pending)} stacked)",
            unit="epoch",
            disable=not progress,
        ) as bar,
    ):
        for chunk in chunks:
            index = [k for k, _, _ in chunk]
            chunk_models = [models[k] for k in index]
            trained = train_stacked(
                chunk_models,
                x=x_all,
                y=y_all,
                masks=torch.as_tensor(masks[index], device=device),
                x_test=x_te,
                y_test=y_te,
                config=config,
                model_seeds=[s for _, s, _ in chunk],
                dropout_states=[state for _, _, state in chunk],
                dp=recipe.dp,
                progress=bar,
            )
            for k, model, history in zip(index, chunk_models, trained, strict=True):
                histories[k] = history
                check_trained(model, history, index=k, stage=stage)
                if checkpoint_dir is not None:
                    save_model(
                        checkpoint_path(checkpoint_dir, k), model, history, fingerprint=fingerprint
                    )
    for model in models:
        model.eval()
    return Ensemble(models=[m.cpu() for m in models], histories=list(histories))  # type: ignore[arg-type]
