"""Hostile sizes for the packaged models: refused by name before anything is built."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.models import ResNet
from mia_defense.models.build import ModelBuilder


@pytest.mark.parametrize(("depth", "widen"), [(10**30, 1), (2_000_000, 1), (20, 10**6)])
def test_a_resnet_larger_than_memory_is_refused_before_it_is_built(depth, widen):
    # depth=10**30 built blocks until memory ran out, without a word
    with pytest.raises(ConfigError, match=rf"^model\.depth={depth}, model\.widen_factor={widen}: "
                       r"the ResNet would hold over .* weights .* more than the .* GB of memory "
                       r"available; lower model\.depth or model\.widen_factor"):
        ResNet.check_options(depth=depth, widen_factor=widen)
    ResNet.check_options(depth=16, widen_factor=4)


def _overflowing(*, input_shape, num_classes):
    raise TypeError("size overflow\nException raised from THPUtils_unpackLong\nframe #0: ...")


def test_a_models_build_error_is_one_line():
    # torch's C++ errors carry 'Exception raised from ...' and ~40 stack frames
    with pytest.raises(ConfigError) as caught:
        ModelBuilder(_overflowing)(input_shape=(4,), num_classes=2)
    said = str(caught.value)
    assert "building the model failed (TypeError: size overflow); " in said and "\n" not in said
    assert said.endswith("check its constructor against them, and the model.* settings")
