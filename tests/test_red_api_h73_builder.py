"""Constructors of a user's model that cannot take the dataset's arguments by name."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import ConfigError
from mia_defense.models.build import ModelBuilder


class HandsOnKwargs(nn.Module):
    """Takes **kwargs and hands them to nn.Module, which takes none."""

    def __init__(self, width: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class PositionalOnly(nn.Module):
    def __init__(self, input_shape, num_classes, /) -> None:
        super().__init__()
        self.fc = nn.Linear(input_shape[0], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def test_kwargs_handed_on_name_the_dataset_argument_not_the_config():
    # "got an unexpected keyword argument 'input_shape'; check the model.* settings": the
    # config sets no input_shape, mia-defense passed it because of **kwargs
    with pytest.raises(ConfigError, match=r"its constructor takes \*\*kwargs, so mia-defense "
                       r"passed it input_shape \(from the dataset\)"):
        ModelBuilder(HandsOnKwargs)(input_shape=(8,), num_classes=3)


def test_positional_only_dataset_arguments_are_named_before_building():
    # a TypeError at build time ('positional-only arguments passed as keyword arguments')
    with pytest.raises(ConfigError, match=r"PositionalOnly takes input_shape as a "
                       r"positional-only argument \(before '/' in its signature\)"):
        ModelBuilder(PositionalOnly)
