"""A model Opacus cannot train as is (BatchNorm), for the DP error/fix tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn


class BatchNormMLP(nn.Sequential):
    """Flatten -> Linear -> BatchNorm1d -> ReLU -> Linear."""

    def __init__(self, *, input_shape: Sequence[int], num_classes: int, hidden: int = 32) -> None:
        super().__init__(
            nn.Flatten(),
            nn.Linear(int(np.prod(input_shape)), hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )
