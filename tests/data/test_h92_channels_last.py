"""Images of more than 4 channels stored channels-last ([N, 32, 32, 5]) loaded from an .npz:
the image models refuse channels-last images of up to 4 channels, but took [16, 16, 5] for
16 channels of 16x5 pixels without a word, and dataset.standardize=true standardised their
rows instead of their channels (helper h92)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz

_MAY = "may be stored channels-last"
_STANDARDISED = "look stored channels-last"


def _said(tmp_path, caplog, shape: tuple[int, ...], *, standardize: bool) -> list[str]:
    path = tmp_path / "images.npz"
    x = np.random.default_rng(0).random((12, *shape), dtype=np.float32)
    np.savez(path, x=x, y=np.arange(12) % 2)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path, standardize=standardize)
    return [r.getMessage() for r in caplog.records if "channels-last" in r.getMessage()]


@pytest.mark.parametrize("shape", [(16, 16, 5), (32, 32, 8), (64, 48, 13)])
def test_images_of_many_channels_stored_channels_last_are_warned(tmp_path, caplog, shape):
    said = _said(tmp_path, caplog, shape, standardize=False)
    assert len(said) == 1 and _MAY in said[0]
    h, w, c = shape
    assert (f"images of shape {list(shape)} are read as {h} channels of {w}x{c} pixels "
            f"([N, C, H, W]) by the image models (model=cnn, resnet)") in said[0]
    assert f"({c} channels of {h}x{w} pixels)" in said[0]
    assert "x.transpose(0, 3, 1, 2)" in said[0]


def test_standardising_images_of_many_channels_stored_channels_last_is_warned(tmp_path, caplog):
    said = _said(tmp_path, caplog, (16, 16, 5), standardize=True)
    assert len(said) == 1
    assert "images of shape [16, 16, 5] standardised per channel along axis 1" in said[0]


@pytest.mark.parametrize("shape", [(5, 16, 16), (3, 32, 32), (64, 8, 8), (512, 4, 4),
                                   (16, 8, 8), (8, 8, 8), (32, 32, 3)])
@pytest.mark.parametrize("standardize", [False, True])
def test_channels_first_images_and_refused_layouts_are_not_warned_twice(
        tmp_path, caplog, shape, standardize):
    said = _said(tmp_path, caplog, shape, standardize=standardize)
    # [32, 32, 3]: the image models refuse it; warned only when standardised (h85's test)
    assert len(said) == (shape == (32, 32, 3) and standardize)
