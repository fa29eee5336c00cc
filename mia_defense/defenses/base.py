"""The protocol every training-time defense implements: a few optional hooks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["TrainContext", "TrainingDefense"]


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


class TrainingDefense:
    """A defense acting during training. Override only the hooks you need.

    ``name`` identifies the defense family in results and reports; ``hparams``
    returns the settings that distinguish runs in a sweep.
    """

    name: str = "none"

    def hparams(self) -> dict[str, Any]:
        """The defense's settings, flat, for results.json and TensorBoard hparams."""
        return {}

    def setup(self, ctx: TrainContext) -> None:
        """Called once before training; may replace ``ctx.model``, ``ctx.optimizer``, ``ctx.loader``."""

    def loss(self, logits: torch.Tensor, y: torch.Tensor, ctx: TrainContext) -> torch.Tensor | None:
        """Return a replacement training loss for this batch, or ``None`` to keep cross-entropy."""
        return None

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        """Called after each epoch; return ``True`` to stop training early."""
        return False

    def finish(self, ctx: TrainContext) -> None:
        """Called once after training (e.g. to restore the best weights)."""
