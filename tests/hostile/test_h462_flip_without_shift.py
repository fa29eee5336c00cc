"""attack.queries.flip=true with max_shift=0 on images made every other perturbed copy the
record itself, unsaid: the copies are mirrored at even indices only, and with no shift the
others are the image as it is (mia-train dataset=digits_images attack.queries.max_shift=0
attack.queries.flip=true attack.queries.num_augmented=4: copies 1 and 3 equal the record), so
half the augmented queries asked the record's own outputs again. It is now said before any
query; a shift, one copy, flat samples or no flip stay silent."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.observe import perturbed_copies
from mia_defense.queries import QueryConfig, warn_unperturbed_copies

SAID = "attack.queries.flip=true with max_shift=0: only every other perturbed copy"


def _said(caplog, queries: QueryConfig, shape: tuple[int, ...]) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unperturbed_copies(queries, shape)
    return [m for m in caplog.messages if SAID in m]


@pytest.mark.parametrize("copies", [2, 4, 5])
def test_copies_left_as_the_record_are_said_and_counted(caplog, copies):
    queries = QueryConfig(num_augmented=copies, max_shift=0, flip=True)
    x = np.random.default_rng(0).normal(size=(6, 1, 8, 8)).astype(np.float32)
    same = sum(bool((c.numpy() == x).all()) for c in perturbed_copies(x, queries=queries, seed=0))
    (said,) = _said(caplog, queries, (1, 8, 8))
    assert same and f"({same} of attack.queries.num_augmented={copies})" in said


@pytest.mark.parametrize(("queries", "shape"), [
    (QueryConfig(num_augmented=4, max_shift=1, flip=True), (1, 8, 8)),
    (QueryConfig(num_augmented=1, max_shift=0, flip=True), (1, 8, 8)),  # the one copy: flipped
    (QueryConfig(num_augmented=4, max_shift=0, flip=False), (1, 8, 8)),  # noisy copies
    (QueryConfig(num_augmented=4, max_shift=0, flip=True), (64,)),  # flat: its own warning
])
def test_copies_all_perturbed_are_not(caplog, queries, shape):
    assert _said(caplog, queries, shape) == []
