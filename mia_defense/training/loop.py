"""Train one model on its members, with the defenses' hooks, and record its curves."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.defenses.dp import empty_batch_step
from mia_defense.training.config import TrainConfig, records_epoch

__all__ = [
    "Ensemble",
    "EpochRecord",
    "ModelHistory",
    "evaluate",
    "shuffled_batches",
    "stage_models",
    "train_model",
]


@dataclass(frozen=True)
class EpochRecord:
    """Loss and accuracy of one model after one epoch."""

    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float


@dataclass
class ModelHistory:
    """Per-epoch records of one model plus what its defenses report (e.g. ``epsilon``).

    ``epochs`` holds a record every ``train.eval_every`` epochs and at the last epoch
    trained (each record names its epoch).
    ``epoch_stats[e]`` holds what the defenses reported after epoch e (e.g. the ε spent
    so far under DP-SGD); empty dicts when no defense reports anything.
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    epoch_stats: list[dict[str, float]] = field(default_factory=list)

    @property
    def final(self) -> EpochRecord:
        return self.epochs[-1]


class shuffled_batches:
    """Re-iterable mini-batches of ``(x, y)`` in a fresh random order each pass."""

    def __init__(
        self, x: torch.Tensor, y: torch.Tensor, *, batch_size: int, generator: torch.Generator
    ) -> None:
        self.x, self.y, self.batch_size, self.generator = x, y, batch_size, generator

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self.y), generator=self.generator).to(self.y.device)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, chunk_size: int = 4096
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)`` in eval mode.

    Evaluated ``chunk_size`` samples at a time, so a large image test set fits in memory.
    """
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for xb, yb in zip(x.split(chunk_size), y.split(chunk_size), strict=True):
        logits = model(xb)
        loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += int((logits.argmax(dim=1) == yb).sum().item())
    model.train(was_training)
    return loss_sum / len(y), correct / len(y)


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
    return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def train_model(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    *,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    num_classes: int,
    config: TrainConfig,
    generator: torch.Generator,
    defenses: Sequence[TrainingDefense] = (),
    x_reference: torch.Tensor | None = None,
    y_reference: torch.Tensor | None = None,
) -> tuple[nn.Module, ModelHistory]:
    """Train ``model`` on ``(x_train, y_train)`` and return the trained module and its history.

    The returned module is the plain ``nn.Module`` (unwrapped if a defense wrapped it).
    ``x_reference``/``y_reference`` (the plan's reference split, outside the membership
    population) are handed to the defenses that need them (early stopping, distillation).
    """
    ctx = TrainContext(
        model=model,
        optimizer=_make_optimizer(model, config),
        loader=shuffled_batches(
            x_train, y_train, batch_size=config.batch_size, generator=generator
        ),
        x=x_train,
        y=y_train,
        num_classes=num_classes,
        epochs=config.epochs,
        generator=generator,
        batch_size=config.batch_size,
        x_reference=x_reference,
        y_reference=y_reference,
    )
    for defense in defenses:
        defense.setup(ctx)
    history = ModelHistory()
    for epoch in range(config.epochs):
        ctx.model.train()
        for xb, yb in ctx.loader:
            ctx.optimizer.zero_grad(set_to_none=True)
            if len(yb) == 0:  # an empty Poisson draw: DP-SGD steps on its noise alone
                empty_batch_step(ctx.optimizer)
                continue
            logits = ctx.model(xb)
            loss = None
            for defense in defenses:
                loss = defense.loss(logits, yb, ctx)
                if loss is not None:
                    break
            if loss is None:
                loss = F.cross_entropy(logits, yb)
            loss.backward()
            ctx.optimizer.step()
        ctx.epoch_stats = {}
        stop = any([defense.end_epoch(ctx, epoch) for defense in defenses])
        history.epoch_stats.append(dict(ctx.epoch_stats))
        if stop or records_epoch(config, epoch):
            train_loss, train_acc = evaluate(ctx.model, x_train, y_train)
            test_loss, test_acc = evaluate(ctx.model, x_test, y_test)
            history.epochs.append(EpochRecord(epoch, train_loss, train_acc, test_loss, test_acc))
        if stop:
            break
    for defense in defenses:
        defense.finish(ctx)
    history.stats.update(ctx.stats)
    return _unwrap(ctx.model), history


def _unwrap(model: nn.Module) -> nn.Module:
    """The user's module inside wrappers such as Opacus' ``GradSampleModule``."""
    inner = getattr(model, "_module", None)
    return inner if isinstance(inner, nn.Module) else model


@dataclass
class Ensemble:
    """K trained models (in eval mode, on CPU) and their training histories."""

    models: list[nn.Module]
    histories: list[ModelHistory]


def stage_models(stage: str) -> str:
    """The models of a training stage in log lines: ``models`` for the target models
    (stage ``model``), ``undefended models`` for stage ``undefended``."""
    return "models" if stage == "model" else f"{stage} models"
