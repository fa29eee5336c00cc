"""DP-SGD's ghost norms switch to vmap(grad) only for the error a checkpointed model's
backward pass raises (torch.utils.checkpoint.CheckpointError); any other error of theirs (an
out-of-memory one) was caught as a RuntimeError too and switched the strategy silently."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import mia_defense.defenses.dp as dp_module
from mia_defense.defenses.dp import DPSGD
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk


def test_an_error_of_the_ghost_norms_other_than_a_checkpoints_is_raised(monkeypatch) -> None:
    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("out of memory (simulated)")

    monkeypatch.setattr(dp_module, "ghost_clipped_sums", out_of_memory)
    x, y = torch.randn((16, 6)), torch.randint(0, 3, (16,))
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    with pytest.raises(torch.OutOfMemoryError, match="simulated"):
        train_chunk([nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))], x=x, y=y,
                    masks=torch.ones((1, 16), dtype=torch.bool), x_test=x, y_test=y,
                    num_classes=3, config=TrainConfig(epochs=1, batch_size=8),
                    generators=[torch.Generator().manual_seed(0)], defenses=[dp],
                    vectorised=False)  # fmt: skip
