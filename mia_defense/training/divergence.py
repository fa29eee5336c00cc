"""Stop a run whose models diverged: a NaN model must never be scored as private."""

from __future__ import annotations

import math

import torch
from torch import nn

from mia_defense.errors import ConfigError, DivergedError
from mia_defense.training.loop import ModelHistory, stage_models

__all__ = ["check_trained"]


def check_trained(trained: dict[int, tuple[nn.Module, ModelHistory]], *, stage: str,
                  num: int, left: int = 0) -> None:
    """`DivergedError` for a model of ``trained`` (by index, of ``num``; ``left`` untrained yet)
    with a non-finite loss or weights; a `ConfigError` naming all training left unchanged."""
    for index, (model, history) in trained.items():
        for record in history.epochs:
            if not (math.isfinite(record.train_loss) and math.isfinite(record.test_loss)):
                raise DivergedError(
                    f"{stage} {index}: the loss became non-finite by epoch {record.epoch + 1}")
        for name, value in model.state_dict().items():
            if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                raise DivergedError(f"{stage} {index}: non-finite weights after training ({name})")
    if untrained := sorted(k for k, (_, history) in trained.items() if history.weights_unchanged):
        few, many, n = ", ".join(map(str, untrained)), stage_models(stage), len(untrained)
        who = (f"{stage} {few}" if n == 1 else f"each of the {num} {many}" if n == num else
               f"each of {many} {few} ({n} of the {len(trained)} trained together)")
        after = (f". The run stopped there: {left} of its {num} {many}, not trained yet, may "
                 "well be untrained too") if left else ""
        raise ConfigError(
            f"{who}: training changed none of its weights: after its "
            f"{len(trained[untrained[0]][1].epoch_stats)} epoch(s) they are its "
            "initialisation's, value for value (every step was zero, or below the float "
            "rounding of the weights), so it is an untrained model and no attack on it says "
            "anything about privacy; raise the learning rate (train.lr), or make the model's "
            f"output depend on its parameters (their gradients were all zero){after}")  # fmt: skip
