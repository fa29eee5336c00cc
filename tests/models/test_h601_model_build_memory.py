"""h601: mia-train model=custom model._target_=tests.models.user_models.RandomFeatures
+model.width=1000000000000 was refused with torch's raw allocation text inside ('[enforce
fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you tried
to allocate 256000000000000 bytes. Error code 12 ...'): its buffer is drawn when built, so
the count on the meta device found nothing and the real build ran out of memory. The
refusal names the model.* settings given and what to do (smaller ones), not torch's text."""

from __future__ import annotations

import functools

import pytest

from mia_defense.errors import ConfigError
from mia_defense.models.build import ModelBuilder
from tests.models.user_models import RandomFeatures


def test_a_model_too_large_to_build_names_its_width_not_torchs_text() -> None:
    # (10**15 x 64 float32: 2.56e17 bytes, beyond any address space: refused on any machine)
    build = ModelBuilder(functools.partial(RandomFeatures, width=10**15))
    with pytest.raises(ConfigError) as refused:
        build(input_shape=(64,), num_classes=10)
    message = str(refused.value)
    assert message.startswith("model._target_=tests.models.user_models.RandomFeatures: "
                              "building the model ran out of memory"), message
    assert "model.width=1000000000000000" in message, message
    assert "e.g. a smaller model.width" in message, message
    for torch_words in ("enforce fail", "DefaultCPUAllocator", "alloc_cpu", "Error code"):
        assert torch_words not in message, message
