"""A results.json whose DP-SGD noise σ·C is below float32's smallest normal number (a run
of before 0c84d285, which trained without noise, or a file edited to one) was ranked by
mia-report as a guarantee at the accountant's finite ε of σ (h381): the same predicate that
mia-train refuses such a σ with (`noise_vanishes`) now makes the report doubt the ε."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.report.checks import epsilon_doubt, payload_problem
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA = 0.125, 8, 0.0002


def _payload(tmp_path: Path, sigma: float, clip: float) -> dict:
    return dp_payload(tmp_path / "run", sigma, rate=_RATE, steps=_STEPS, delta=_DELTA, clip=clip)


@pytest.mark.parametrize(("sigma", "clip"), [(1e-46, 1.0), (1e-20, 1e-20)])
def test_an_epsilon_of_noise_float32_cannot_hold_is_doubted(tmp_path, sigma, clip):
    payload = _payload(tmp_path, sigma, clip)
    assert payload_problem(payload) is None  # (its ε is the accountant's of σ: consistent)
    doubt = epsilon_doubt(payload)
    assert doubt is not None and f"noise_multiplier {sigma:g}" in doubt, doubt
    assert "below float32's smallest normal number" in doubt and "no ε holds" in doubt


# (σ = 1e-30 at C = 1e-7 was here: sums of clipped gradients round its noise away, h386)
@pytest.mark.parametrize(("sigma", "clip"), [(1.0, 1.0), (1e-3, 1e-30)])
def test_noise_in_float32s_range_is_not_doubted(tmp_path, sigma, clip):
    assert epsilon_doubt(_payload(tmp_path, sigma, clip)) is None
