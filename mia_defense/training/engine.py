"""The one training engine: the K models of a chunk trained as one stacked ensemble.

Every step runs the models' forward pass at once (`ModelStack`), takes each model's loss
on its own batch, differentiates with autograd and steps a ``torch.optim`` optimiser over
the stacked leaves. Defenses act through the hooks of `TrainingDefense` (loss, batch
transform, batch sampler, gradient transform, optimiser settings, stopping rule); the
engine knows none of them by name. Model k's batch order comes from its own generator,
so the engine at K models ends where K runs of it at K=1 end, within float rounding.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parameter import is_lazy
from torch.nn.utils.rnn import pad_sequence
from tqdm.auto import tqdm

from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense, cross_entropy
from mia_defense.defenses.contract import (
    check_labels,
    check_logits,
    check_loss_trains,
    check_own_backward,
    check_per_model,
    defense_optimizer_options,
    hook_output,
)
from mia_defense.errors import ConfigError
from mia_defense.models.build import check_first_batch_logits
from mia_defense.training.config import TrainConfig, make_optimizer
from mia_defense.training.eager import optimizer_step
from mia_defense.training.loop import EpochRecord, ModelHistory
from mia_defense.training.stack import ModelStack
from mia_defense.training_start import training_begins

__all__ = ["gather_batch", "padded_members", "train_chunk"]


def padded_members(masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each model's member indices, padded: ``idx`` [K, M] and ``valid`` [K, M]."""
    if not bool(masks.any(1).all()):
        raise ConfigError("plan: a model has no members; raise plan.population_size")
    idx = pad_sequence([m.nonzero().flatten() for m in masks], batch_first=True)
    return idx, torch.arange(idx.shape[1], device=masks.device) < masks.count_nonzero(1)[:, None]


def _shuffled(ctx: TrainContext, steps: Sequence[int]) -> Iterator[Batch]:
    """An epoch of shuffled batches: model k's members in ``randperm(size, generator_k)``
    order, ``batch_size`` at a time (as a model trained alone draws them)."""
    sizes = ctx.sizes
    perms = torch.zeros((len(sizes), max(sizes)), dtype=torch.long, device=ctx.device)
    for k, (size, gen) in enumerate(zip(sizes, ctx.generators, strict=True)):
        perms[k, :size] = torch.randperm(size, generator=gen, device=gen.device).to(ctx.device)
    bounds = [batch_bounds(size, ctx.batch_size) for size in sizes]
    for step in range(max(steps)):
        start = step * ctx.batch_size
        stop = [b[step][1] if step < len(b) else start for b in bounds]  # each <= its size
        columns = torch.arange(start, max(stop), device=ctx.device)
        valid = columns < torch.tensor(stop, device=ctx.device)[:, None]
        yield gather_batch(ctx, perms[:, start : max(stop)], valid, valid.any(1))


def batch_bounds(size: int, batch_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of one epoch's batches over ``size`` shuffled members: ``batch_size``
    each, a lone last member joining the batch before it (a batch of one breaks BatchNorm in
    training mode: "Expected more than 1 value per channel")."""
    bounds = [(start, min(start + batch_size, size)) for start in range(0, size, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], size)]
    return bounds


def gather_batch(
    ctx: TrainContext, pos: torch.Tensor, valid: torch.Tensor, stepping: torch.Tensor
) -> Batch:
    """The batch of member positions ``pos`` [K, B] (into ``ctx.members``)."""
    idx = ctx.members.gather(1, pos)
    y = ctx.y[idx]
    return Batch(x=ctx.x[idx], y=y, target=y, valid=valid, stepping=stepping)


@torch.no_grad()
def _evaluate(
    ctx: TrainContext, x_test: torch.Tensor, y_test: torch.Tensor, *, chunk: int = 256
) -> list[tuple[float, float, float, float]]:
    """Per model: mean loss and accuracy on its members, then on the shared test set."""

    def scored(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = y.expand(len(logits), -1)  # (a test batch's labels [B] are every model's)
        return F.cross_entropy(logits.transpose(1, 2), y, reduction="none"), logits.argmax(-1) == y

    stack = ctx.stack
    stack.train(False)
    member = [scored(stack.forward(ctx.x[i]), ctx.y[i]) for i in ctx.members.split(chunk, 1)]
    test = [scored(stack.forward(xs, shared=True), ys)
            for xs, ys in zip(x_test.split(chunk), y_test.split(chunk), strict=True)]
    stack.train(True)
    loss, hit = (torch.cat(t, 1) for t in zip(*member, strict=True))
    loss_t, hit_t = (torch.cat(t, 1) for t in zip(*test, strict=True))
    valid, counts = ctx.member_valid, ctx.member_valid.sum(1)
    scores = (
        (loss * valid).sum(1) / counts,
        (hit & valid).sum(1) / counts,
        loss_t.mean(1),
        hit_t.float().mean(1),
    )
    return list(zip(*(s.tolist() for s in scores), strict=True))


def _steps_per_epoch(defenses: Sequence[TrainingDefense], size: int, batch_size: int) -> int:
    for defense in defenses:
        steps = hook_output(defense.steps_per_epoch(size, batch_size), "steps_per_epoch", defense)
        if steps is not None:
            return steps
    return len(batch_bounds(size, batch_size))


def train_chunk(
    models: Sequence[nn.Module],
    *,
    x: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    num_classes: int,
    config: TrainConfig,
    generators: Sequence[torch.Generator],
    defenses: Sequence[TrainingDefense] = (),
    vectorised: bool = True,
    engine: str = "stacked",
    x_reference: torch.Tensor | None = None,
    y_reference: torch.Tensor | None = None,
    progress: tqdm | None = None,
) -> list[ModelHistory]:
    """Train ``models`` (initialised, one architecture) in place, model k on ``x[masks[k]]``.

    Args:
        x, y, masks, x_test, y_test, num_classes, x_reference, y_reference: `train_ensemble`'s,
            as tensors on the training device.
        generators: each model's own generator (batch order, noise, draws).
        defenses: the training-time defenses of these K models (one instance each).
        vectorised: run the K models with ``vmap`` (``False``: one module, as itself).
        engine: ``stacked`` or ``opacus`` (the DP defense picks its mechanism by it).
        progress: a bar to advance by one per epoch.

    Returns:
        Each model's history, in the order of ``models``.
    """
    # Models that take the same number of steps per epoch share the optimiser's leaves.
    steps = [_steps_per_epoch(defenses, int(m.sum()), config.batch_size) for m in masks]
    order = sorted(range(len(models)), key=lambda k: (steps[k], k))
    groups = [len(list(run)) for _, run in itertools.groupby(steps[k] for k in order)]
    stack = ModelStack([models[k] for k in order], groups, vectorised=vectorised)
    options = defense_optimizer_options(defenses, config)
    members, member_valid = padded_members(masks[order])
    try:
        optimizer = make_optimizer(stack.parameters, config, **options)
    except (TypeError, ValueError) as exc:  # the recipe's own settings were checked already
        raise ConfigError(
            f"defense: the optimiser refused the defenses' optimizer_options {options} ({exc}); "
            "fix the defense's settings"
        ) from None
    ctx = TrainContext(
        stack=stack,
        optimizer=optimizer,
        x=x,
        y=y,
        members=members,
        member_valid=member_valid,
        num_classes=num_classes,
        epochs=config.epochs,
        batch_size=config.batch_size,
        generators=[generators[k] for k in order],
        engine=engine,
        x_reference=x_reference,
        y_reference=y_reference,
        active=torch.ones(len(models), dtype=torch.bool, device=x.device),
        stats=[{} for _ in models],
        epoch_stats=[{} for _ in models],
    )
    for defense in defenses:
        defense.setup(ctx)
    # The weights before training, for `ModelHistory.weights_unchanged` (compared before the
    # defenses' ``finish`` may put other weights in); a lazy parameter gets its values later.
    lazy = any(is_lazy(leaf) for group in stack.leaves for leaf in group)
    initial = None if lazy else {n: p.detach().clone() for n, p in stack.stacked().items()}
    histories = _fit(ctx, defenses, [steps[k] for k in order], x_test, y_test, config, progress)
    if initial:
        for history, same in zip(histories, stack.unchanged(initial), strict=True):
            history.weights_unchanged = same
    _finish(ctx, defenses, histories, x_test, y_test)
    stack.write_back()
    for pos, history in enumerate(histories):
        history.stats.update(ctx.stats[pos])
    return [histories[order.index(k)] for k in range(len(models))]


def _finish(
    ctx: TrainContext,
    defenses: Sequence[TrainingDefense],
    histories: Sequence[ModelHistory],
    x_test: torch.Tensor,
    y_test: torch.Tensor,
) -> None:
    """Let the defenses finish; a model whose weights they changed gets them evaluated as
    its history's ``released`` record (the last curve record is the weights before)."""
    if not defenses:
        return
    before = ctx.stack.snapshot()
    for defense in defenses:
        defense.finish(ctx)
    changed = [k for k, same in enumerate(ctx.stack.unchanged(before)) if not same]
    scores = _evaluate(ctx, x_test, y_test) if changed else []
    for k in changed:
        histories[k].released = EpochRecord(histories[k].final.epoch, *scores[k])


def _fit(
    ctx: TrainContext,
    defenses: Sequence[TrainingDefense],
    steps: Sequence[int],
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    config: TrainConfig,
    progress: tqdm | None,
) -> list[ModelHistory]:
    """The epochs of `train_chunk`: step, let the defenses stop models, record curves."""
    stack = ctx.stack
    histories = [ModelHistory() for _ in range(ctx.num_models)]
    # Each stopped model's weights at its stop: the optimiser's momentum (and weight decay)
    # moves a stopped model on while the rest of its chunk trains, which alone it never does.
    at_stop: dict[str, torch.Tensor] = {}
    stack.train(True)
    training_begins()  # a failure from here on is the run's, not a refusal of its config
    for epoch in range(config.epochs):
        batches = next(filter(None, (d.batches(ctx, epoch) for d in defenses)), None)
        for step, batch in enumerate(batches or _shuffled(ctx, steps)):
            batch = hook_output(batch, "batches", None, ctx.num_models)
            if batches is not None:  # (the labels' values: on each epoch's first batch)
                check_labels(batch, ctx.num_classes, "batches", None, values=step == 0)
            try:
                _step(ctx, defenses, batch, first=epoch == 0 and step == 0)
            except IndexError:  # (torch's 'Target 6 is out of bounds': labels a defense drew)
                if batches is not None:
                    check_labels(batch, ctx.num_classes, "batches", None, values=True)
                raise
        ctx.epoch_stats = [{} for _ in range(ctx.num_models)]
        stops = torch.zeros_like(ctx.active)
        for defense in defenses:
            stop = defense.end_epoch(ctx, epoch)
            if stop is not None:
                stops |= hook_output(stop, "end_epoch", defense, ctx.num_models)
        stops &= ctx.active
        recorded = (epoch + 1) % config.eval_every == 0 or epoch + 1 == config.epochs
        scores = _evaluate(ctx, x_test, y_test) if recorded or bool(stops.any()) else None
        for k, history in enumerate(histories):
            if not ctx.active[k]:
                continue
            history.epoch_stats.append(dict(ctx.epoch_stats[k]))
            if scores is not None and (stops[k] or recorded):
                history.epochs.append(EpochRecord(epoch, *scores[k]))
        ctx.active &= ~stops
        if bool(stops.any()):
            now = stack.snapshot()
            at_stop = at_stop or now
            for name, value in now.items():
                at_stop[name][stops] = value[stops]
        if progress is not None:
            progress.update(1)
        if not bool(ctx.active.any()):
            break
    if at_stop:  # (the stopped models: the engine alone clears ctx.active, at their stop)
        stack.restore(at_stop, ~ctx.active)
    return histories


def _forward(
    ctx: TrainContext, defenses: Sequence[TrainingDefense], batch: Batch, *, first: bool
) -> torch.Tensor:
    """The step's logits: from the defense that runs the forward pass, else the stack's."""
    for defense in defenses:
        logits = defense.forward(batch, ctx)
        if logits is not None:
            logits = hook_output(logits, "forward", defense, ctx.num_models)
            check_logits(logits, (ctx.num_models, batch.x.shape[1], ctx.num_classes), defense)
            check_own_backward(first and ctx.stack.has_grads(), defense, "forward")
            return logits
    return ctx.stack.forward(batch.x)


def _transformed(
    ctx: TrainContext, defenses: Sequence[TrainingDefense], batch: Batch, *, first: bool
) -> Batch:
    """``batch`` after the defenses' transforms, each one's checked: the labels' values on
    the run's first step and where a transform gave new ``y`` (mixup's soft labels keep it)."""
    for defense in defenses:
        given = batch.y
        batch = hook_output(defense.transform(batch, ctx), "transform", defense, ctx.num_models)
        check_labels(batch, ctx.num_classes, "transform", defense,
                     values=first or batch.y is not given)  # fmt: skip
    return batch


def _backward(
    ctx: TrainContext, defenses: Sequence[TrainingDefense], logits: torch.Tensor | None,
    loss: torch.Tensor | None, batch: Batch, *, first: bool,
) -> bool:
    """Whether a defense's ``backward`` set the gradients (on the run's first step, one that
    set them and returned False is refused; gradients there before the hooks ran are no
    hook's)."""
    unset = first and not ctx.stack.has_grads()
    for defense in defenses:
        if hook_output(defense.backward(logits, loss, batch, ctx), "backward", defense):
            return True
        check_own_backward(unset and ctx.stack.has_grads(), defense, "backward")
    return False


def _step(
    ctx: TrainContext, defenses: Sequence[TrainingDefense], batch: Batch, *, first: bool = False
) -> None:
    """One optimiser step of every stepping model on its batch (``first``: the run's first,
    on the models' initial weights)."""
    given = batch.x
    batch = _transformed(ctx, defenses, batch, first=first)
    ctx.optimizer.zero_grad(set_to_none=True)
    logits = _forward(ctx, defenses, batch, first=first) if batch.x.shape[1] else None
    if first and logits is not None and batch.x is given:  # the data as given, no transform
        rows = batch.valid & batch.stepping[:, None]
        check_first_batch_logits(ctx.stack.models[0], batch.x[rows], logits[rows].detach())
    loss = None
    if logits is not None:
        for defense in defenses:
            loss = defense.loss(logits, batch, ctx)
            if loss is not None:
                check_per_model(loss, defense, ctx.num_models)
                check_loss_trains(loss, logits, defense, first=first)
                check_own_backward(first and ctx.stack.has_grads(), defense, "loss")
                break
        if loss is None:
            loss = cross_entropy(logits, batch)
        loss = loss * ctx.active  # a stopped model's weights are restored by its defense
    if not _backward(ctx, defenses, logits, loss, batch, first=first):
        if loss is None:
            return
        loss.sum().backward()
    ctx.stack.route_grads(batch.stepping)
    optimizer_step(ctx.optimizer)
