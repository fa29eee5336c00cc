"""Regularisers that shrink the generalisation gap membership inference feeds on."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.defenses.base import (
    Batch,
    TrainContext,
    TrainingDefense,
    cross_entropy,
    require_reference,
)
from mia_defense.defenses.values import (
    check_finite,
    check_flag,
    check_integer,
    check_number,
)
from mia_defense.errors import ConfigError, UnsupportedModelError

__all__ = ["Dropout", "EarlyStopping", "LabelSmoothing", "Mixup", "WeightDecay"]

log = logging.getLogger(__name__)

# Whether early stopping acted on a model (1) or not (0), in its stats (`idle_reason`).
ACTED = "early_stopping_acted"


class WeightDecay(TrainingDefense):
    """The optimiser's ``weight_decay``, set on every parameter group (all the parameters).

    Replaces ``train.weight_decay`` for the run; what it does is the optimiser's (Adam, SGD:
    ``coefficient * w`` added to the gradient, an L2 penalty ``coefficient/2 * ||w||^2``;
    AdamW: decoupled, ``w -= lr * coefficient * w`` each step). A nonzero recipe decay of
    another value beside it is refused by the engine.
    """

    name = "weight_decay"

    def __init__(self, *, coefficient: float = 5e-3) -> None:
        check_number("defense.weight_decay.coefficient", coefficient)
        if not coefficient >= 0:
            raise ConfigError(f"defense.weight_decay.coefficient={coefficient}: must be >= 0")
        check_finite("defense.weight_decay.coefficient", coefficient)
        self.coefficient = float(coefficient)

    def hparams(self) -> dict[str, Any]:
        return {"coefficient": self.coefficient}

    def optimizer_options(self) -> dict[str, Any]:
        return {"weight_decay": self.coefficient}


_HOOKED = "_mia_dropout_hooks"
# Smallest mixup alpha: alpha=1e-300 drew λ of exactly 0 or 1 in every batch (no mixing).
MIN_MIXUP_ALPHA = 1e-3


class Dropout(TrainingDefense):
    """Dropout with probability ``p`` on the input of every ``nn.Linear`` but the first.

    For an MLP that is dropout on every hidden layer's activations; for a CNN, on the
    features entering each classifier layer. It works by forward pre-hooks, so the
    model's architecture and checkpoints are unchanged, and does nothing in eval mode.
    """

    name = "dropout"

    def __init__(self, *, p: float = 0.5) -> None:
        check_number("defense.dropout.p", p)
        if not 0.0 <= p < 1.0:
            raise ConfigError(f"defense.dropout.p={p}: must lie in [0, 1)")
        self.p = float(p)

    def hparams(self) -> dict[str, Any]:
        return {"p": self.p}

    def prepare_model(self, model: nn.Module) -> nn.Module:
        if getattr(model, _HOOKED, False):
            return model
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        if len(linears) < 2:
            raise UnsupportedModelError(
                f"defense.dropout: model {type(model).__name__} has {len(linears)} nn.Linear "
                "layer(s) and so no hidden features to drop; use a model with a hidden layer "
                "(e.g. model=mlp) or drop the dropout defense"
            )
        for layer in linears[1:]:
            layer.register_forward_pre_hook(_DropoutHook(self.p))
        setattr(model, _HOOKED, True)
        return model


@dataclass(frozen=True)
class _DropoutHook:
    """`Dropout`'s forward pre-hook: equal to any other of the same ``p``, so the K models
    given one each stay alike (`mia_defense.models.alike.unlike`) and train stacked."""

    p: float

    def __call__(self, module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return (F.dropout(args[0], self.p, training=module.training), *args[1:])


class LabelSmoothing(TrainingDefense):
    """Cross-entropy against ``(1 - smoothing) * one_hot + smoothing / C`` (Szegedy et al. 2016).

    Caps how confident the model gets on its members. Accepts soft targets (mixup).
    """

    name = "label_smoothing"

    def __init__(self, *, smoothing: float = 0.1) -> None:
        check_number("defense.label_smoothing.smoothing", smoothing)
        if not 0.0 <= smoothing < 1.0:
            raise ConfigError(f"defense.label_smoothing.smoothing={smoothing}: must lie in [0, 1)")
        self.smoothing = float(smoothing)

    def hparams(self) -> dict[str, Any]:
        return {"smoothing": self.smoothing}

    def loss(self, logits: torch.Tensor, batch: Batch, ctx: TrainContext) -> torch.Tensor:
        return cross_entropy(logits, batch, label_smoothing=self.smoothing)


@torch.no_grad()
def _validate(ctx: TrainContext, *, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Each model's loss and accuracy [K] on the reference split, in eval mode, ``chunk``
    samples at a time (the K models' activations on a whole image split at once ran out of
    memory: 32 CNNs on 10 000 CIFAR images want about 40 GB)."""
    assert ctx.x_reference is not None and ctx.y_reference is not None
    ctx.stack.train(False)
    losses, hits = [], []
    for xb, yb in zip(ctx.x_reference.split(chunk), ctx.y_reference.split(chunk), strict=True):
        logits = ctx.stack.forward(xb, shared=True)
        y = yb.expand(len(logits), -1)
        losses.append(F.cross_entropy(logits.transpose(1, 2), y, reduction="none"))
        hits.append(logits.argmax(-1) == y)
    ctx.stack.train(True)
    return torch.cat(losses, 1).mean(1), torch.cat(hits, 1).float().mean(1)


class EarlyStopping(TrainingDefense):
    """Stop when the validation metric stops improving; restore the best weights.

    The validation data is the plan's reference split (``plan.reference_size``), which
    no model trains on and which is not part of the membership population.
    """

    name = "early_stopping"
    needs_reference = True

    def earliest_stop(self, epochs: int) -> int:
        """A model may stop after ``patience + 2`` epochs (the first always improves)."""
        return min(epochs, self.patience + 2)

    def __init__(
        self,
        *,
        patience: int = 5,
        monitor: str = "loss",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        check_integer("defense.early_stopping.patience", patience)
        check_number("defense.early_stopping.min_delta", min_delta)
        check_flag("defense.early_stopping.restore_best", restore_best)
        if patience < 0:
            raise ConfigError(f"defense.early_stopping.patience={patience}: must be >= 0")
        if monitor not in ("loss", "accuracy"):
            raise ConfigError(
                f"defense.early_stopping.monitor={monitor!r}: choose from ('loss', 'accuracy')"
            )
        if min_delta < 0:
            raise ConfigError(f"defense.early_stopping.min_delta={min_delta}: must be >= 0")
        check_finite("defense.early_stopping.min_delta", min_delta)
        if monitor == "accuracy" and min_delta >= 1:
            raise ConfigError(
                f"defense.early_stopping.min_delta={min_delta}: must be below 1 with "
                "monitor=accuracy (no accuracy improves by that much, so every model would "
                "stop after patience + 1 epochs with its first epoch's weights); lower it"
            )
        self.patience = int(patience)
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.restore_best = bool(restore_best)
        self._best = torch.empty(0)
        self._bad_epochs = torch.empty(0)
        self._kept: dict[str, torch.Tensor] = {}
        self._has_kept = torch.empty(0)
        self._stop_epoch = torch.empty(0)  # [K]: the epoch each model stopped at, or -1
        self._last_improved = torch.empty(0)  # [K]: the model's last epoch improved

    def hparams(self) -> dict[str, Any]:
        return {"patience": self.patience, "monitor": self.monitor, "min_delta": self.min_delta,
                "restore_best": self.restore_best}

    def plan(self, *, sizes: Sequence[int], batch_size: int, epochs: int) -> None:
        """Refuse settings under which early stopping cannot act: the run would train as
        without it and be reported as defended by it. The first epoch always improves, so
        the earliest stop ends epoch ``patience + 2``; it acts only before the last epoch,
        or (``restore_best``) by restoring an earlier epoch's weights."""
        if epochs < 2:
            raise ConfigError(
                f"defense.early_stopping: train.epochs={epochs} leaves nothing to stop or "
                "restore (the one epoch is the last); raise train.epochs or drop the "
                "early_stopping defense"
            )
        if not self.restore_best and self.patience >= epochs - 2:
            raise ConfigError(
                f"defense.early_stopping.patience={self.patience}: with restore_best=false "
                f"and train.epochs={epochs}, no model can stop before its last epoch (the "
                "earliest stop ends epoch patience + 2), so early stopping would do nothing; "
                + (f"lower patience below {epochs - 2}, " if epochs > 2 else "")
                + "set restore_best=true or raise train.epochs"
            )

    def setup(self, ctx: TrainContext) -> None:
        require_reference(ctx, "defense.early_stopping needs a validation split", example=200)
        k = ctx.num_models
        self._best = torch.full((k,), -torch.inf, device=ctx.device)
        self._bad_epochs = torch.zeros(k, dtype=torch.long, device=ctx.device)
        self._has_kept = torch.zeros(k, dtype=torch.bool, device=ctx.device)
        self._stop_epoch = self._last_improved = torch.empty(0)  # (`_track` fills them)

    def _keep(self, ctx: TrainContext, which: torch.Tensor) -> None:
        """Save the current weights of the models where ``which`` is true."""
        if not bool(which.any()):
            return
        now = ctx.stack.snapshot()
        if not self._kept:
            self._kept = now
        for name, value in now.items():
            self._kept[name][which] = value[which]
        self._has_kept |= which

    def end_epoch(self, ctx: TrainContext, epoch: int) -> torch.Tensor:
        loss, acc = _validate(ctx)
        for k, stats in enumerate(ctx.epoch_stats):
            stats["val_loss"], stats["val_accuracy"] = float(loss[k]), float(acc[k])
        score = -loss if self.monitor == "loss" else acc
        first = ctx.active & torch.isneginf(self._best)  # the first epoch always improves
        improved = ctx.active & (score > self._best + self.min_delta)
        self._best = torch.where(improved, score, self._best)
        if bool(first.any()):
            self._refuse_unreachable_delta(score[first], num_classes=ctx.num_classes)
        self._bad_epochs = torch.where(improved, 0, self._bad_epochs + ctx.active.long())
        # (a patience beyond int64, 10**30, overflowed the comparison: one that large never stops)
        stop = ctx.active & (self._bad_epochs > min(self.patience, 2**62))
        # Keep the best weights, or (without restore_best) the weights at the stop.
        self._keep(ctx, improved if self.restore_best else stop)
        self._track(ctx, improved, stop, epoch)
        if bool(stop.any()):
            log.debug("early stopping after epoch %d: models %s", epoch, stop.nonzero().tolist())
        return stop

    def _refuse_unreachable_delta(self, first: torch.Tensor, *, num_classes: int) -> None:
        """Refuse a ``min_delta`` no later epoch can beat: a loss cannot fall below 0 nor an
        accuracy rise above 1, so once every model's first score lies within ``min_delta``
        of that bound, each model would stop after ``patience`` more epochs with its first
        epoch's weights, and the run be reported as defended by early stopping. Only a
        ``min_delta`` of at least what a model gains from chance to perfect (the loss
        ln(C), the accuracy 1 - 1/C) is refused: below, models that converged in their
        first epoch are rightly stopped."""
        chance = math.log(num_classes) if self.monitor == "loss" else 1 - 1 / num_classes
        if self.min_delta <= 0 or self.min_delta < chance:
            return
        first = first.double()
        bound = 0.0 if self.monitor == "loss" else 1.0  # score = -loss, or accuracy
        room = bound - first  # the most any later epoch can improve by, per model
        if not bool((room <= self.min_delta).all()) or not bool((room > 0).any()):
            return  # (a NaN loss compares false: that model is left to the engine's check)
        metric = "loss" if self.monitor == "loss" else "accuracy"
        values = -first if self.monitor == "loss" else first
        shown = f"{float(values.min()):.4g} to {float(values.max()):.4g} over the models" \
            if len(values) > 1 else f"{float(values[0]):.4g}"  # fmt: skip
        limit = "cannot fall below 0" if self.monitor == "loss" else "cannot exceed 1"
        raise ConfigError(
            f"defense.early_stopping.min_delta={self.min_delta:g}: no epoch can count as an "
            f"improvement: the validation {metric} after the first epoch is {shown} and "
            f"{limit}, so every model would stop after patience + 1 more epochs with its "
            f"first epoch's weights; lower min_delta below {float(room.max()):.4g} (0.0 "
            "counts any improvement)"
        )

    def finish(self, ctx: TrainContext) -> None:
        if self._kept:
            ctx.stack.restore(self._kept, self._has_kept)
        self._record_acted(ctx)

    def _track(
        self, ctx: TrainContext, improved: torch.Tensor, stop: torch.Tensor, epoch: int
    ) -> None:
        """Keep, for `_record_acted`, whether each model's last epoch improved and when it
        stopped."""
        if self._last_improved.shape != improved.shape:
            self._last_improved = torch.zeros_like(improved)
            self._stop_epoch = torch.full(improved.shape, -1, device=improved.device)
        self._last_improved = torch.where(ctx.active, improved, self._last_improved)
        self._stop_epoch = torch.where(stop & (self._stop_epoch < 0), epoch, self._stop_epoch)

    def _record_acted(self, ctx: TrainContext) -> None:
        """Keep in each model's stats (``early_stopping_acted``, for `idle_reason`) whether
        it stopped before its last epoch or got an earlier epoch's weights back (under
        ``restore_best``)."""
        if not len(self._stop_epoch):
            return  # (no epoch ended)
        acted = (self._stop_epoch >= 0) & (self._stop_epoch < ctx.epochs - 1)
        if self.restore_best:
            acted |= ~self._last_improved
        for stats, did in zip(ctx.stats, acted.tolist(), strict=True):
            stats[ACTED] = float(did)

    def idle_models(self, stats: Sequence[Mapping[str, float]]) -> int | None:
        """How many models neither stopped early nor got an earlier epoch's weights back
        (`idle_reason`'s count); ``None`` where every one of them acted."""
        return sum(1 for s in stats if s.get(ACTED) == 0) or None

    def idle_reason(self, stats: Sequence[Mapping[str, float]], *, epochs: int) -> str | None:
        """Why early stopping did nothing, where some model neither stopped before its last
        epoch nor got an earlier epoch's weights back (its validation metric improved up to
        the last epoch, under ``restore_best``): it trained as without the defense, weight
        for weight (``defense=early_stopping plan.reference_size=300 train.epochs=8``: the
        undefended run's train loss and test accuracy, bit for bit). Models without the stat
        (trained before it was kept) are left out."""
        idle = self.idle_models(stats)
        if not idle:
            return None
        metric = "loss" if self.monitor == "loss" else "accuracy"
        why = (f"neither stopped before the last of their train.epochs={epochs} nor had "
               f"an earlier epoch's weights restored (their validation {metric} improved up "
               "to the last epoch)" if self.restore_best else "did not stop before the last "
               f"of their train.epochs={epochs} (restore_best=false restores no earlier "
               "weights)")  # fmt: skip
        return (
            f"defense.early_stopping: {idle} of the {len(stats)} model(s) {why}, so they "
            "trained as without the defense; raise train.epochs (to where the validation "
            f"{metric} stalls) or lower defense.early_stopping.patience (now {self.patience})"
        )


class Mixup(TrainingDefense):
    """Train on convex mixes of pairs of samples and of their labels (Zhang et al. 2018).

    λ ~ Beta(alpha, alpha) per batch. Batches carry soft labels, so it composes with
    cross-entropy and label smoothing, not with losses that need hard labels.
    """

    name = "mixup"
    order = 10  # wraps the loader after DP-SGD has replaced it (they do not compose anyway)

    def __init__(self, *, alpha: float = 0.4) -> None:
        check_number("defense.mixup.alpha", alpha)
        if not alpha > 0:
            raise ConfigError(f"defense.mixup.alpha={alpha}: must be > 0")
        check_finite("defense.mixup.alpha", alpha)
        if alpha < MIN_MIXUP_ALPHA:
            raise ConfigError(
                f"defense.mixup.alpha={alpha:g}: must be at least {MIN_MIXUP_ALPHA:g}: below, "
                "the mixing weight ~ Beta(alpha, alpha) is 0 or 1 in nearly every batch (at "
                "1e-3, under 1% of batches mix more than 0.1% of another sample in), so mixup "
                "would do nothing; Zhang et al. use 0.1 to 1"
            )
        self.alpha = float(alpha)

    def hparams(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def plan(self, *, sizes: Sequence[int], batch_size: int, epochs: int) -> None:
        """Refuse batches of one sample: each would be mixed with itself, so the run would
        train without mixup and be reported as defended by it."""
        if batch_size < 2:
            raise ConfigError(
                f"defense.mixup: train.batch_size={batch_size} mixes each sample with itself "
                "(mixup mixes the samples of a batch), so it would do nothing; raise "
                "train.batch_size (e.g. 32) or drop the mixup defense"
            )

    def setup(self, ctx: TrainContext) -> None:
        self._rngs, self._generators = [], []
        for gen in ctx.generators:
            seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=gen.device))
            self._rngs.append(np.random.default_rng(seed))
            self._generators.append(torch.Generator().manual_seed(seed))

    def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
        """Mix each model's valid samples with a permutation of them, λ drawn per model."""
        counts = batch.valid.sum(1).tolist()
        width = batch.valid.shape[1]
        lam = torch.ones(len(counts), device=ctx.device)
        perm = torch.arange(width, device=ctx.device).repeat(len(counts), 1)
        for k, count in enumerate(counts):
            if count:
                lam[k] = float(self._rngs[k].beta(self.alpha, self.alpha))
                drawn = torch.randperm(count, generator=self._generators[k])
                perm[k, :count] = drawn.to(ctx.device)
        onehot = F.one_hot(batch.y, ctx.num_classes).to(batch.x.dtype)
        mix_x = lam.view(-1, *[1] * (batch.x.ndim - 1))
        mix_y = lam.view(-1, 1, 1)
        other_x = batch.x[torch.arange(len(counts), device=ctx.device)[:, None], perm]
        other_y = onehot.gather(1, perm[..., None].expand_as(onehot))
        return Batch(
            x=mix_x * batch.x + (1 - mix_x) * other_x,
            y=batch.y,
            target=mix_y * onehot + (1 - mix_y) * other_y,
            valid=batch.valid,
            stepping=batch.stepping,
        )
