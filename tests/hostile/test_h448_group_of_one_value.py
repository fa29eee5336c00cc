"""h448: a CNN or ResNet whose GroupNorm works on 1x1 pixels with one channel a group
normalises each value to 0: its output is the same for every image, so it can learn
nothing. mia-train model=cnn dataset=digits_images model.channels=[8,8,8,8,8] trained
such models (their 4th conv runs on the 1x1 pixels left of 8x8 digits) and measured them;
now refused before training, naming the keys and what to change."""

from __future__ import annotations

from unittest import mock

import pytest
import torch

import mia_defense.models.cnn as cnn
import mia_defense.models.resnet as resnet
from mia_defense.errors import ConfigError
from mia_defense.models import ResNet, SmallCNN
from tests.helpers import refused_before_run_dir

# (shape, settings, what the refusal names)
_CNN_REFUSED = [
    ((1, 8, 8), {"channels": [8, 8, 8, 8, 8]}, r"on 8x8 images conv 4 of 5 .* at most 3 widths"),
    ((1, 8, 8), {"channels": [4, 4, 4, 4], "groups": 4}, r"conv 4 of 4 .* below 4"),
    ((3, 28, 28), {"channels": [32, 64, 64, 64, 64, 64], "groups": 64}, r"conv 6 of 6"),
    ((1, 4, 4), {"channels": [8, 8, 8]}, r"on 4x4 images conv 3 of 3 .* at most 2 widths"),
]
# neighbours that learn: fewer convs, groups of 2 channels, no norm, a 1x8 image's 1x2
_CNN_KEPT = [
    ((1, 8, 8), {"channels": [8, 8, 8]}),
    ((1, 8, 8), {"channels": [8, 8, 8, 8, 8], "groups": 4}),
    ((1, 8, 8), {"channels": [8, 8, 8, 8, 8], "norm": "none"}),
    ((1, 8, 8), {"channels": [8, 8, 8, 16, 16]}),
    ((1, 4, 8), {"channels": [8, 8, 8]}),
]


def _output_span(model: torch.nn.Module, shape: tuple[int, ...]) -> float:
    """How far apart the model's outputs lie over 32 random images of ``shape``, in float64
    (float32's rounding of a group's mean sets outputs 1e-6 apart that are one)."""
    torch.manual_seed(0)
    with torch.no_grad():
        out = model.double()(torch.randn(32, *shape, dtype=torch.float64))
    return float((out - out[0]).abs().max())


@pytest.mark.parametrize(("shape", "settings", "named"), _CNN_REFUSED)
def test_a_cnn_with_groups_of_one_value_is_refused(shape, settings, named):
    with pytest.raises(ConfigError, match=r"model\.channels=.*model\.groups=.*" + named):
        SmallCNN(input_shape=shape, num_classes=3, **settings)
    # built all the same, it gives every image the same output (what the refusal says)
    with mock.patch.object(cnn, "lone_values", lambda *a, **k: False):
        model = SmallCNN(input_shape=shape, num_classes=3, **settings)
    assert _output_span(model, shape) < 1e-9


@pytest.mark.parametrize(("shape", "settings"), _CNN_KEPT)
def test_a_cnn_whose_groups_hold_several_values_is_built(shape, settings):
    assert _output_span(SmallCNN(input_shape=shape, num_classes=3, **settings), shape) > 1e-5


def test_a_resnet_whose_last_norm_holds_one_value_a_group_is_refused():
    with pytest.raises(ConfigError, match=(
            r"model\.groups=64, model\.widen_factor=1: on 4x4 images the ResNet's last stage "
            r"works on 1x1 pixels.*model\.groups below 64, or model\.norm=none")):
        ResNet(input_shape=(1, 4, 4), num_classes=3, depth=8, groups=64)
    with mock.patch.object(resnet, "lone_values", lambda *a, **k: False):
        model = ResNet(input_shape=(1, 4, 4), num_classes=3, depth=8, groups=64)
    assert _output_span(model, (1, 4, 4)) < 1e-9
    for shape, groups in [((1, 4, 4), 16), ((1, 8, 8), 64), ((1, 5, 5), 64)]:
        built = ResNet(input_shape=shape, num_classes=3, depth=8, groups=groups)
        assert _output_span(built, shape) > 1e-5


def test_mia_train_refuses_it_before_training(tmp_path):
    stderr = refused_before_run_dir(
        "model=cnn", "dataset=digits_images", "model.channels=[8,8,8,8,8]",
        "plan.num_models=2", "train.epochs=1", cwd=tmp_path)
    assert ("ConfigError: model.channels=[8, 8, 8, 8, 8], model.groups=8: on 8x8 images "
            "conv 4 of 5 works on 1x1 pixels") in stderr
    assert "use at most 3 widths in model.channels, model.groups below 8, or model.norm=none" \
        in stderr
    assert "Traceback" not in stderr
