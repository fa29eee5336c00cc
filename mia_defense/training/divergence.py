"""Stop a run whose models diverged: a NaN model must never be scored as private."""

from __future__ import annotations

import math

import torch
from torch import nn

from mia_defense.errors import ConfigError, DivergedError
from mia_defense.training.loop import ModelHistory

__all__ = ["check_trained"]


def check_trained(model: nn.Module, history: ModelHistory, *, index: int, stage: str) -> None:
    """Raise `DivergedError` when model ``index`` ended with a non-finite loss or weights,
    and a `ConfigError` when training changed none of its weights
    (`ModelHistory.weights_unchanged`): an untrained model's outputs, whose attacks at
    chance would read as a private model's.

    Called before a model is checkpointed, so a diverged model is never saved or reused.
    """
    for record in history.epochs:
        if not (math.isfinite(record.train_loss) and math.isfinite(record.test_loss)):
            raise DivergedError(
                f"{stage} {index}: the loss became non-finite by epoch {record.epoch + 1}"
            )
    for name, value in model.state_dict().items():
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise DivergedError(f"{stage} {index}: non-finite weights after training ({name})")
    if history.weights_unchanged:
        raise ConfigError(
            f"{stage} {index}: training changed none of its weights: after its "
            f"{len(history.epoch_stats)} epoch(s) they are its initialisation's, value for "
            "value (every step was zero, or below the float rounding of the weights), so it "
            "is an untrained model and no attack on it says anything about privacy; raise the "
            "learning rate (train.lr), or make the model's output depend on its parameters "
            "(their gradients were all zero)"
        )
