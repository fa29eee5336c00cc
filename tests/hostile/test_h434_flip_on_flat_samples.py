"""attack.queries.flip=true on flat samples (mia-train release=label_only
attack.queries.flip=true, digits' 64 features) was dropped unsaid: the label-only attack's
perturbed copies got feature noise alone, and the run read as one that had asked for
mirrored copies. It is now said before training, naming the key and the samples' shape."""

from __future__ import annotations

import logging

import pytest

from mia_defense.queries import QueryConfig, warn_unperturbed_copies

SAID = "attack.queries.flip=true: the samples are flat"


def _said(caplog, queries: QueryConfig, shape: tuple[int, ...]) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unperturbed_copies(queries, shape)
    return [m for m in caplog.messages if SAID in m]


def test_a_flip_of_flat_samples_is_said(caplog):
    (said,) = _said(caplog, QueryConfig(num_augmented=8, noise_std=0.3, flip=True), (64,))
    assert "shape [64]" in said and "noise_std=0.3" in said


@pytest.mark.parametrize(
    ("queries", "shape"),
    [
        (QueryConfig(num_augmented=8, noise_std=0.3, flip=True), (1, 8, 8)),  # images
        (QueryConfig(num_augmented=0, noise_std=0.3, flip=True), (64,)),  # no copies
        (QueryConfig(num_augmented=8, noise_std=0.3, flip=False), (64,)),
    ],
)
def test_a_flip_that_acts_or_asks_nothing_is_not(caplog, queries, shape):
    assert _said(caplog, queries, shape) == []
