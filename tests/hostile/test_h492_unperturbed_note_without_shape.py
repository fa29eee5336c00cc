"""A release of labels attacked with attack.queries.noise_std=0 and copies shifted or
flipped (max_shift=1, the default, or flip=true): of images those copies are perturbed
(`mia_defense.observe.perturbed_copies` shifts them), of flat records they are the record
itself. A results.json without input_shape (a run written before it, or the key deleted)
was told 'had no perturbed copies to query (attack.queries.noise_std=0: its 8 copies are
the record itself)', which nothing in it tells: no such note now; a record that says its
shape, or copies neither shifted nor flipped, keeps it."""

from __future__ import annotations

from typing import Any

import pytest

from mia_defense.report.checks import run_end_lines

_SAID = "its 8 copies are the record itself"
_MISSING = object()


def _payload(shape: Any, **queries: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "released_labels_only": True,
        "defense": {"defense": "none", "release": "label_only"},
        "attacks": {"label_only": {"access": "label"}, "loss": {"access": "outputs"}},
        "config": {"attack": {"queries": {"num_augmented": 8, "noise_std": 0.0, **queries}}},
    }
    if shape is not _MISSING:
        payload["input_shape"] = shape
    return payload


def _said(payload: dict[str, Any]) -> bool:
    return any(_SAID in line for line in run_end_lines(payload))


@pytest.mark.parametrize("shape", [_MISSING, None], ids=["deleted", "null"])
@pytest.mark.parametrize("moved", [{"max_shift": 1, "flip": False},
                                   {"max_shift": 0, "flip": True}], ids=["shifted", "flipped"])
def test_copies_that_may_be_shifted_images_are_not_called_the_record(shape, moved) -> None:
    assert not _said(_payload(shape, **moved))


@pytest.mark.parametrize(("shape", "moved"), [
    (_MISSING, {"max_shift": 0, "flip": False}),  # (noise alone, whatever the shape)
    ([64], {"max_shift": 1, "flip": False}),  # (flat: nothing to shift)
    ([1, 8, 8], {"max_shift": 0, "flip": False}),
])  # fmt: skip
def test_copies_with_noise_alone_are_still_called_the_record(shape, moved) -> None:
    assert _said(_payload(shape, **moved))
