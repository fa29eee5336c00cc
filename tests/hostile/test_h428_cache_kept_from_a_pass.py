"""A module caching a value of its first batch (``if self.cache is None: self.cache =
x.mean()``) fell back to one model at a time (PYTHONPATH=/tmp/h424 mia-train model=custom
model._target_=hmods.Cache plan.num_models=2 train.epochs=1) with the reason that its output
'depends on the other samples of its batch in training mode (BatchNorm without running
statistics, a mean over the batch)', which names neither the attribute nor another pass.
Where a copy's pass sets one of its attributes and, after it, the copy no longer mixes the
samples of a batch, the reason now names it (self.cache); a model mixing its batch's samples
that also sets an attribute keeps the reason it had (h428)."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.training.stack import vmap_blocker

C, D = 3, 8


class Cache(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.cache = nn.Linear(D, C), None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cache is None:
            self.cache = x.mean()
        return self.fc(x - self.cache)


class NormedAndLogged(nn.Module):
    """BatchNorm without running statistics, and its last output kept (for a plot)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.norm = nn.Linear(D, C), nn.BatchNorm1d(C, track_running_stats=False)
        self.last = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.last = self.norm(self.fc(x))
        return self.last


def test_a_cache_of_the_first_batch_is_named_in_the_reason() -> None:
    assert vmap_blocker(Cache(), (D,)) == (
        "Cache's output on a sample depends on another pass's batch in training mode: it "
        "keeps a value from a pass in self.cache (a cache set at its first call), which later "
        "passes read, and stacked models, all run through the first model's module, would "
        "share it where each model alone keeps its own; compute it anew in every forward to "
        "stack them"
    )


def test_a_model_mixing_its_own_batch_keeps_its_reason() -> None:
    assert vmap_blocker(NormedAndLogged(), (D,)) == (
        "NormedAndLogged's output on a sample depends on the other samples of its batch in "
        "training mode (BatchNorm without running statistics, a mean over the batch), and "
        "stacked models' batches are padded to the longest model's"
    )
