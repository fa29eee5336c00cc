"""The protocol every training-time defense implements: a few optional hooks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["TrainContext", "TrainingDefense", "unwrap_model"]


@dataclass
class TrainContext:
    """What the training loop of one model holds; defenses may replace its parts.

    Attributes:
        model: the module being trained (DP-SGD may wrap it).
        optimizer: its optimizer (DP-SGD may wrap it).
        loader: iterable of ``(x, y)`` batches over the model's members, one epoch per pass.
        x: the model's training features (members), on the training device.
        y: the model's training labels.
        num_classes: C.
        epochs: number of epochs planned.
        generator: the model's own torch generator (batch order, noise).
        stats: numbers a defense reports at the end (e.g. ``epsilon``).
        batch_size: the recipe's batch size (``None``: read it from ``loader``).
        x_reference: features of the reference split (public data outside the membership
            population: validation, non-member or transfer data), or ``None``.
        y_reference: its labels, or ``None``.
        epoch_stats: numbers a defense reports for the epoch just finished (set in
            ``end_epoch``); the loop copies them into the history, one dict per epoch.
    """

    model: nn.Module
    optimizer: torch.optim.Optimizer
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]]
    x: torch.Tensor
    y: torch.Tensor
    num_classes: int
    epochs: int
    generator: torch.Generator
    stats: dict[str, float] = field(default_factory=dict)
    batch_size: int | None = None
    x_reference: torch.Tensor | None = None
    y_reference: torch.Tensor | None = None
    epoch_stats: dict[str, float] = field(default_factory=dict)


class TrainingDefense:
    """A defense acting during training. Override only the hooks you need.

    ``name`` identifies the defense family in results and reports; ``hparams``
    returns the settings that distinguish runs in a sweep. ``order`` sorts stacked
    defenses (lower sets up first: DP-SGD wraps the raw model, optimizer and loader
    before anything wraps them again); ``needs_reference`` asks for the reference split.
    """

    name: str = "none"
    order: int = 50
    needs_reference: bool = False

    def hparams(self) -> dict[str, Any]:
        """The defense's settings, flat, for results.json and TensorBoard hparams."""
        return {}

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Check or change a freshly built model (before training and before loading a
        checkpoint, so resumed runs rebuild the same architecture)."""
        return model

    def setup(self, ctx: TrainContext) -> None:
        """Called once before training; may replace ``ctx.model``/``optimizer``/``loader``."""

    def loss(self, logits: torch.Tensor, y: torch.Tensor, ctx: TrainContext) -> torch.Tensor | None:
        """Return a replacement training loss for this batch, or ``None`` to keep cross-entropy."""
        return None

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        """Called after each epoch; return ``True`` to stop training early."""
        return False

    def finish(self, ctx: TrainContext) -> None:
        """Called once after training (e.g. to restore the best weights)."""


def unwrap_model(model: nn.Module) -> nn.Module:
    """The user's module inside wrappers such as Opacus' ``GradSampleModule``."""
    inner = getattr(model, "_module", None)
    return inner if isinstance(inner, nn.Module) else model
