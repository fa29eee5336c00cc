"""Config checks added by helper h94: a rounding release that rounds nothing, RelaxLoss's
``upper`` below chance, model sizes checked before the model is built."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from mia_defense.defenses.relaxloss import RelaxLoss
from mia_defense.defenses.release import RoundingRelease, probe_release
from mia_defense.errors import ConfigError


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


@pytest.mark.parametrize(
    ("upper", "classes", "refused"),
    [(0.05, 10, True), (0.1, 10, False), (0.4, 2, True), (0.5, 2, False)],
)
def test_a_relaxloss_upper_below_chance_is_refused(
    upper: float, classes: int, refused: bool
) -> None:
    """defense.relaxloss.upper below 1/C made the flattened target favour every wrong class
    over the true one, and was accepted."""
    relax = RelaxLoss(upper=upper)
    ctx = SimpleNamespace(num_classes=classes)  # (all setup reads)
    if not refused:
        relax.setup(ctx)  # type: ignore[arg-type]
        return
    with pytest.raises(ConfigError, match=rf"defense\.relaxloss\.upper={upper}: below 1/{classes}"):
        relax.setup(ctx)  # type: ignore[arg-type]
