"""texas_like draws its labels from a Zipf law, so a small dataset.num_samples for its
dataset.num_classes leaves the rarest classes without a sample: `mia-train dataset=texas_like
dataset.num_samples=400 dataset.num_classes=200` trained a 200-class task of which 146
classes had samples, without a word (a user's file says "only 146 of the 200 classes have
samples"). The generator now says it too."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.data import make_texas_like


def _said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "classes" in r.getMessage()]


def test_classes_left_without_samples_are_said(caplog):
    with caplog.at_level(logging.WARNING):
        data = make_texas_like(num_samples=400, num_features=64, num_classes=200)
    present = np.unique(data.y).size
    assert present < 200
    said = _said(caplog)
    assert len(said) == 1
    assert f"only {present} of the 200 classes" in said[0] and "dataset.num_samples" in said[0]


def test_every_class_drawn_says_nothing(caplog):
    with caplog.at_level(logging.WARNING):
        data = make_texas_like(num_samples=1000, num_features=64, num_classes=10)
    assert np.unique(data.y).size == 10
    assert not _said(caplog)
