"""A constructor that takes input_shape for an int failed in torch's words, without saying
what it was given: mia-train model=custom model._target_=hmods.IntShape
(nn.Linear(input_shape, num_classes)) said 'building the model failed (TypeError: empty():
argument 'size' failed to unpack the object at pos 2 with error "type must be tuple of
ints,but got tuple"); check the model.* settings'. The refusal now says what ModelBuilder
passed it, and that input_shape is a tuple (h410)."""

from __future__ import annotations

import pytest
from torch import nn

from mia_defense.errors import ConfigError
from mia_defense.models.build import ModelBuilder


class IntShape(nn.Module):
    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.fc = nn.Linear(input_shape, num_classes)


def test_the_refusal_says_what_the_constructor_was_given() -> None:
    with pytest.raises(ConfigError) as caught:
        ModelBuilder(IntShape)(input_shape=(8,), num_classes=3)
    said = str(caught.value)
    assert "building the model failed (TypeError: " in said
    assert "mia-defense called it with input_shape=(8,), num_classes=3 from the dataset " in said
    assert "input_shape is a tuple, one sample's shape" in said
