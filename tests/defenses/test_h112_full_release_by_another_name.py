"""A release that lets the outputs out unchanged under another name is said before training,
as release.decimals beyond float32's digits is (test_h94_config_checks): release.k equal to
the classes (a sweep of release.k=1,2,5,10 on 10 classes ranked the full release as a top-k
defense), release.scale=0 and release.temperature=1. The others are not."""

from __future__ import annotations

import logging

import pytest

from mia_defense.defenses.release import (
    NoiseRelease,
    TemperatureRelease,
    TopKRelease,
    probe_release,
)


@pytest.mark.parametrize(
    ("release", "warned"),
    [
        (TopKRelease(k=10), "release.k=10: keeps all of the dataset's 10 classes"),
        (TopKRelease(k=10, renormalize=True), "release.k=10: keeps all"),
        (NoiseRelease(scale=0.0), "release.scale=0: adds no noise"),
        (TemperatureRelease(temperature=1.0), "release.temperature=1: the softmax at"),
        (TopKRelease(k=9), None),
        (NoiseRelease(scale=1e-6), None),
        (TemperatureRelease(temperature=1.5), None),
    ],
)
def test_a_full_release_under_another_name_is_said(caplog, release, warned):
    with caplog.at_level(logging.WARNING):
        probe_release(release, num_classes=10)
    said = [m for m in caplog.messages if "a full release under another name" in m]
    if warned is None:
        assert not said
    else:
        assert len(said) == 1 and said[0].startswith(warned)
