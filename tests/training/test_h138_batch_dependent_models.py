"""A model whose output on a sample depends on the rest of its batch trains one at a time:
stacked, a model's shorter batches are padded with other members, which change it."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

K, N, C, D = 3, 90, 4, 16


class BatchStatsNet(nn.Module):
    """BatchNorm without running statistics: every batch is normalised by its own."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.norm = nn.BatchNorm1d(12, track_running_stats=False)
        self.head = nn.Linear(12, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.norm(self.fc(x))))


class CentredInEval(nn.Module):
    """Subtracts the batch's mean in eval mode only."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return out if self.training else out - out.mean(0, keepdim=True)


class Noisy(nn.Module):
    """Dropout and noise from torch's generator: no batch dependence."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)
        self.drop = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(self.drop(x))
        return out + 0.1 * torch.randn_like(out) if self.training else out


@pytest.mark.parametrize(("model", "mode"), [(BatchStatsNet, "training mode"),
                                             (CentredInEval, "eval mode")])  # fmt: skip
def test_a_model_that_mixes_the_samples_of_its_batch_is_not_stacked(model, mode) -> None:
    reason = vmap_blocker(model(), (D,))
    assert reason == (
        f"{model.__name__}'s output on a sample depends on the other samples of its batch in "
        f"{mode} (BatchNorm without running statistics, a mean over the batch), and stacked "
        "models' batches are padded to the longest model's"
    )


def test_a_model_that_treats_each_sample_on_its_own_is_still_stacked() -> None:
    assert vmap_blocker(Noisy(), (D,)) is None


def test_batchnorm_without_running_statistics_trains_as_each_model_alone(caplog) -> None:
    """Before: stacked, the models' weights ended up to 0.023 from the same models trained
    in chunks of one (members of 45, 60 and 30 samples: the shorter batches padded)."""
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    masks = torch.zeros((K, N), dtype=torch.bool)
    masks[0, :45], masks[1, 20:80], masks[2, 60:] = True, True, True
    config = TrainConfig(epochs=3, batch_size=16, lr=2e-2, chunk_size=K)
    common = dict(x=x.numpy(), y=y.numpy(), x_test=x[:20].numpy(), y_test=y[:20].numpy(),
                  num_classes=C, config=config, seed=0, progress=False)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        ensemble = train_ensemble(build_model=BatchStatsNet, masks=masks.numpy(), **common)
    assert "depends on the other samples of its batch" in (ensemble.fallback_reason or "")
    assert any("one at a time" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)  # fmt: skip
    # chunks of one model: no other model's batch to pad to
    common["config"] = TrainConfig(epochs=3, batch_size=16, lr=2e-2, chunk_size=1)
    alone = train_ensemble(build_model=BatchStatsNet, masks=masks.numpy(), **common)
    for trained, one in zip(ensemble.models, alone.models, strict=True):
        for p, q in zip(trained.parameters(), one.parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
