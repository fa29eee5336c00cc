"""Train K models through either engine: stacked (all at once) or Opacus (one at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from mia_defense.defenses.base import TrainingDefense
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import Ensemble, ModelHistory


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


def stacked_and_alone(
    build_model: Callable[[], nn.Module], *, features: int, classes: int
) -> tuple[Ensemble, Ensemble]:
    """``train_ensemble`` of three models of ``build_model`` on 90 random samples, with 45,
    60 and 30 members (other steps per epoch; 3 epochs, batches of 16): in one stacked chunk
    (``train.chunk_size=3``), and one at a time (``train.engine=opacus``), for a test that
    the first ends where the second does."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn((90, features), generator=gen)
    y = torch.randint(0, classes, (90,), generator=gen)
    masks = torch.zeros((3, 90), dtype=torch.bool)
    masks[0, :45], masks[1, 20:80], masks[2, 60:] = True, True, True
    common = dict(build_model=build_model, x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
                  x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=classes, seed=0,
                  progress=False)  # fmt: skip
    chunk = train_ensemble(config=TrainConfig(epochs=3, batch_size=16, lr=2e-2, chunk_size=3),
                           **common)  # fmt: skip
    alone = train_ensemble(config=TrainConfig(epochs=3, batch_size=16, lr=2e-2, engine="opacus"),
                           **common)  # fmt: skip
    return chunk, alone
