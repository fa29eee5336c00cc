"""attack.queries.noise_std given for images that are shifted or flipped was dropped
unsaid: mia-train dataset=digits_images attack.queries.noise_std=0.9 (8x8 images, the default
max_shift=1) made its perturbed copies by shifts alone, as at the default 0.3, with no word
(flip=true max_shift=0 noise_std=0.5 alike). It is now said before any query, where the value
differs from the packaged config's or an override set it; the untouched default, noise_std=0,
flat samples and images neither shifted nor flipped (whose copies get the noise) stay
silent."""

from __future__ import annotations

import logging

import pytest

from mia_defense.config_keys import packaged_setting
from mia_defense.queries import QueryConfig, warn_unperturbed_copies
from tests.hostile.test_h462_max_shift_on_flat_samples import train_log

SAID = "not given feature noise, so it is ignored"
DEFAULT = packaged_setting("attack", "default", ["queries", "noise_std"])
IMAGES = (1, 8, 8)


def _said(caplog, queries: QueryConfig, shape=IMAGES, overrides=()) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unperturbed_copies(queries, shape, overrides=overrides)
    return [m for m in caplog.messages if SAID in m]


@pytest.mark.parametrize(("queries", "overrides", "how"), [
    (QueryConfig(num_augmented=8, noise_std=0.9), (), "shifted (attack.queries.max_shift=1, "
     "flip=false)"),
    (QueryConfig(num_augmented=8, noise_std=DEFAULT), [f"attack.queries.noise_std={DEFAULT}"],
     "shifted"),  # (a typed default)
    (QueryConfig(num_augmented=8, noise_std=0.5, max_shift=0, flip=True), (),
     "flipped (attack.queries.max_shift=0, flip=true)"),
    (QueryConfig(num_augmented=8, noise_std=0.5, max_shift=2, flip=True), (),
     "shifted or flipped"),
])
def test_noise_given_for_shifted_images_is_said(caplog, queries, overrides, how):
    (said,) = _said(caplog, queries, overrides=overrides)
    assert said.startswith(f"attack.queries.noise_std={queries.noise_std:g}: ")
    assert f"images (shape [1, 8, 8]) are {how}" in said


@pytest.mark.parametrize(("queries", "shape", "overrides"), [
    (QueryConfig(num_augmented=8, noise_std=DEFAULT), IMAGES, ()),  # the default
    (QueryConfig(num_augmented=8, noise_std=0), IMAGES, ["attack.queries.noise_std=0"]),
    (QueryConfig(num_augmented=8, noise_std=0.9), (64,), ()),  # flat: noisy copies
    (QueryConfig(num_augmented=8, noise_std=0.9, max_shift=0), IMAGES, ()),  # noisy images
    (QueryConfig(num_augmented=0, noise_std=0.9), IMAGES, ()),
])
def test_noise_that_acts_or_asks_nothing_is_not(caplog, queries, shape, overrides):
    assert _said(caplog, queries, shape, overrides) == []


def test_mia_train_says_it(tmp_path, monkeypatch):
    log = train_log(tmp_path, monkeypatch, "dataset=digits_images", "attack.queries.noise_std=0.9")
    assert "attack.queries.noise_std=0.9: the perturbed copies of these images" in log
