"""Config checks added by helper h94: a rounding release that rounds nothing, RelaxLoss's
``upper`` below chance, model sizes checked before the model is built."""

from __future__ import annotations

import logging

import pytest

from mia_defense.defenses.release import RoundingRelease, probe_release


@pytest.mark.parametrize(("decimals", "warned"), [(2, False), (7, False), (8, True), (100, True)])
def test_a_rounding_release_beyond_float32_digits_is_said_to_release_unchanged(
    caplog, decimals: int, warned: bool
) -> None:
    """release=rounding release.decimals=100 released the full outputs without a word."""
    with caplog.at_level(logging.WARNING):
        probe_release(RoundingRelease(decimals=decimals), num_classes=10)
    said = [m for m in caplog.messages if "releases the outputs unchanged" in m]
    assert bool(said) == warned
    if warned:
        assert said[0].startswith(f"release.decimals={decimals}:")
        assert "[0, 7]" in said[0]
