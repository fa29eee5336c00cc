"""A module counting its calls in an attribute (``self.calls += 1`` in forward, the count
scaling its output) trained one at a time with the reason that 'its forward changes state
kept outside its buffers (a step counter, a torch.Generator of its own)', naming no
attribute, where the probes see which one a pass changed (h428 names a cache's). The reason
now names it: 'its forward changes self.calls, state kept outside its buffers ...', a
layer's as self.block.calls; state kept outside the model keeps its reason (h435)."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.models.probes import probed_blocker
from tests.training.engines import stacked_and_alone

C, D = 3, 8


class Counted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.calls = nn.Linear(D, C), 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.fc(x) / self.calls


class Block(nn.Module):
    """Its first call differs from the later ones (a warm-up flag set on the layer)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.warm = nn.Linear(D, C), False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x) * (2.0 if self.warm else 1.0)
        self.warm = True
        return out


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


def test_a_call_counter_is_named_in_the_fallback_reason() -> None:
    chunk, alone = stacked_and_alone(Counted, features=D, classes=C)
    assert chunk.fallback_reason == (
        "Counted answers the same batch differently the second time in training mode, under "
        "the same random seed: its forward changes self.calls, state kept outside its buffers "
        "(a step counter, a torch.Generator of its own), and stacked models would all run the "
        "first model's"
    )
    assert [m.calls for m in chunk.models] == [m.calls for m in alone.models]


def test_a_layer_s_flag_is_named_by_its_path() -> None:
    reason = probed_blocker(Outer(), (D,)) or ""
    assert "its forward changes self.block.warm, state kept outside its buffers" in reason
