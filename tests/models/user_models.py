"""A user's own models, importable by ``_target_`` in the tests."""

from __future__ import annotations

import torch
from torch import nn


class WidthNet(nn.Module):
    """Takes its own arguments only: the config supplies all of them."""

    def __init__(self, width: int, classes: int, features: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(features, width), nn.Tanh(),
                                 nn.Linear(width, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ClassesOnly(nn.Module):
    """Takes ``num_classes`` (from the dataset) but not ``input_shape``."""

    def __init__(self, num_classes: int, *, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class BatchNormNet(nn.Module):
    """A model Opacus cannot train: BatchNorm."""

    def __init__(self, *, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), 8)
        self.bn = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(self.fc(x.flatten(1))))


class TemperatureNet(nn.Module):
    """A linear model with a learned temperature: a 0-dim parameter (shape [])."""

    def __init__(self, *, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)
        self.temperature = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1)) / self.temperature


class FrozenFirstLayer(nn.Module):
    """A frozen first layer (requires_grad=False, as a pretrained backbone kept as it is)
    under a trained head."""

    def __init__(self, *, input_shape, num_classes: int, hidden: int = 16) -> None:
        super().__init__()
        self.body = nn.Linear(int(torch.tensor(input_shape).prod()), hidden)
        self.body.requires_grad_(False)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x.flatten(1))))


class BFloat16Net(nn.Module):
    """A linear model held in bfloat16 (its logits returned as float32); ``scaled``: with
    a learned output scale of its own (a parameter outside any nn.Linear)."""

    def __init__(self, *, input_shape, num_classes: int, scaled: bool = False) -> None:
        super().__init__()
        features = int(torch.tensor(input_shape).prod())
        self.fc = nn.Linear(features, num_classes).to(torch.bfloat16)
        self.scale = nn.Parameter(torch.ones(1, dtype=torch.bfloat16)) if scaled else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x.flatten(1).to(torch.bfloat16))
        return (out if self.scale is None else out * self.scale).float()


class RandomFeatures(nn.Module):
    """A fixed random projection of its own (a buffer, drawn when built) under a trained
    head: each model of a run holds another one."""

    def __init__(self, *, input_shape, num_classes: int, width: int = 32) -> None:
        super().__init__()
        features = int(torch.tensor(input_shape).prod())
        self.register_buffer("projection", torch.randn(features, width))
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(x.flatten(1) @ self.projection))
