"""A GroupNorm of one channel on 1x1 pixels cannot be fixed by fewer groups: mia-train
dataset=digits_images model=cnn model.channels=[1,1,1,1,1,1,1] model.groups=1 +model.pooled=1
was refused with 'use at most 3 widths in model.channels, model.groups below 1, or
model.norm=none', and model.groups below 1 is itself refused (h583)."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.models import SmallCNN


def test_one_channel_is_not_advised_fewer_groups():
    with pytest.raises(ConfigError) as caught:
        SmallCNN(input_shape=(1, 8, 8), num_classes=10, channels=[1, 1, 1, 1], groups=1)
    message = str(caught.value)
    assert "groups below 1" not in message
    assert message.endswith("use at most 3 widths in model.channels, or model.norm=none")


def test_several_channels_keep_the_groups_advice():
    with pytest.raises(ConfigError, match=r"at most 3 widths in model\.channels, "
                       r"model\.groups below 8, or model\.norm=none$"):
        SmallCNN(input_shape=(1, 8, 8), num_classes=10, channels=[8, 8, 8, 8], groups=8)
