"""Red-team checks of image data (helper h85): channels-last layouts, standardising."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.data import load_npz
from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.models.cnn import SmallCNN, image_shape

_TRANSPOSE = (r"images stored channels-last \[H, W, C\] = \[\d+, \d+, \d\]: transpose them to "
              r"\[N, C, H, W\] \(x\.transpose\(0, 3, 1, 2\)\)")


@pytest.mark.parametrize("model", ["cnn", "resnet"])
def test_rgba_images_stored_channels_last_are_refused_with_the_transpose_advice(tmp_path, model):
    # np.savez(x=rgba) of [N, 32, 32, 4] trained as 32 channels of 32x4 pixels without a word
    path = tmp_path / "rgba.npz"
    np.savez(path, x=np.zeros((10, 32, 32, 4), np.float32), y=np.arange(10) % 2)
    with pytest.raises(ConfigError, match=rf"read as 32 channels of 32x4 pixels; {_TRANSPOSE}"):
        image_shape(load_npz(path=path).input_shape, model=model)


def test_the_cnn_refuses_channels_last_rgba_images():
    with pytest.raises(ConfigError, match=_TRANSPOSE):
        SmallCNN(input_shape=(64, 48, 4), num_classes=2)


def test_two_channel_images_stored_channels_last_are_told_to_transpose():
    with pytest.raises(ConfigError, match=rf"use model=mlp for flat features; {_TRANSPOSE}"):
        image_shape((28, 28, 2), model="cnn")


@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 28, 28), (4, 32, 32), (64, 8, 8),
                                   (512, 4, 4), (3, 224, 224), (16, 4, 4), (4, 8, 8), (28, 28)])
def test_channels_first_images_and_feature_maps_are_accepted(shape):
    chw = shape if len(shape) == 3 else (1, *shape)
    assert image_shape(shape, model="cnn") == chw


@pytest.mark.parametrize(("shape", "warned"), [((32, 32, 3), True), ((28, 28, 1), True),
                                               ((3, 32, 32), False), ((64, 8, 8), False)])
def test_standardising_channels_last_images_is_warned(tmp_path, caplog, shape, warned):
    # dataset.standardize=true standardised [N, 32, 32, 3] per row (axis 1) without a word
    path = tmp_path / "images.npz"
    x = np.random.default_rng(0).random((12, *shape), dtype=np.float32)
    np.savez(path, x=x, y=np.arange(12) % 2)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path, standardize=True)
    said = [r.getMessage() for r in caplog.records if "look stored channels-last" in r.message]
    assert bool(said) == warned
    if warned:
        assert f"images of shape {list(shape)} standardised per channel along axis 1" in said[0]
        assert "x.transpose(0, 3, 1, 2)" in said[0]


def pixels_0_255() -> Dataset:
    """A user's loader returning uint8 images 0..255 unscaled."""
    x = np.random.default_rng(0).integers(0, 256, size=(40, 3, 8, 8), dtype=np.uint8)
    return Dataset(x=x, y=np.arange(40) % 2, num_classes=2, name="mine")


def large_features() -> Dataset:
    """A user's loader returning an income column of 50000 beside small features."""
    x = np.random.default_rng(0).random((40, 3))
    x[:, 1] *= 50000
    return Dataset(x=x, y=np.arange(40) % 2, num_classes=2, name="mine")


def scaled_images() -> Dataset:
    """A user's loader returning images scaled to [0, 1]."""
    x = np.random.default_rng(0).random((40, 3, 8, 8), dtype=np.float32)
    return Dataset(x=x, y=np.arange(40) % 2, num_classes=2, name="mine")


@pytest.mark.parametrize(("loader", "what"), [
    ("pixels_0_255", "is uint8 with values up to 255"),
    ("large_features", r"has features up to \d+(\.\d+)? in magnitude \(column 1, counting "
                       r"from 0\)"),
    ("scaled_images", None),
])
def test_a_users_dataset_of_unscaled_features_is_warned(make_cfg, caplog, loader, what):
    # a dataset._target_ of the user's own trained on pixels 0..255 without a word, where
    # dataset=npz scales them (or warns)
    target = f"tests.data.test_red_h85_images.{loader}"
    cfg = make_cfg(f"dataset._target_={target}", "~dataset.standardize")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        build_experiment(cfg)
    said = [r.getMessage() for r in caplog.records if "used as they are" in r.message]
    if what is None:
        assert not said
        return
    assert len(said) == 1
    assert re.search(rf"dataset 'mine': features {what}, used as they are: scale them in "
                     rf"dataset._target_={re.escape(target)} \(pixels: divide them by 255",
                     said[0])
