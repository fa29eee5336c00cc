"""Train K models through either engine: stacked (all at once) or Opacus (one at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from mia_defense.defenses.base import TrainingDefense
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.loop import ModelHistory


def train_by_engine(
    models: Sequence[nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    *,
    config: TrainConfig,
    seeds: Sequence[int],
    defenses: Callable[[], list[TrainingDefense]],
    engine: str,
    num_classes: int,
    test_size: int,
) -> list[ModelHistory]:
    """``train_chunk`` on the K models at once (``stacked``), or one at a time without vmap
    through Opacus (``opacus``); model k trains in place on ``x[masks[k]]``."""
    common = dict(x=x, y=y, x_test=x[:test_size], y_test=y[:test_size],
                  num_classes=num_classes, config=config)  # fmt: skip
    if engine == "stacked":
        return train_chunk(
            list(models), masks=masks, defenses=defenses(),
            generators=[torch.Generator().manual_seed(s) for s in seeds], **common,
        )  # fmt: skip
    return [
        train_chunk(
            [model], masks=mask[None], defenses=defenses(), vectorised=False, engine="opacus",
            generators=[torch.Generator().manual_seed(seed)], **common,
        )[0]
        for model, mask, seed in zip(models, masks, seeds, strict=True)
    ]  # fmt: skip
