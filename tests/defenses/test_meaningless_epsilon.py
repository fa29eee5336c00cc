"""A DP run whose explicit noise spent an ε no target may ask for is said to guarantee nothing."""

from __future__ import annotations

import logging

import pytest

from mia_defense.defenses import DPSGD, accounting


def _stats(sigma: float) -> dict[str, float]:
    """One model's history stats: 1,000 members, batches of 64, 30 epochs (the default plan)."""
    rate, steps, delta = 0.064, 469, 1e-4
    epsilon = accounting.epsilon_spent("rdp", ((sigma, rate, steps),), delta)
    return {"noise_multiplier": sigma, "sample_rate": rate, "steps": steps, "delta": delta,
            "epsilon": epsilon}  # fmt: skip


def _warnings(caplog: pytest.LogCaptureFixture, sigma: float) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        privacy = DPSGD(noise_multiplier=sigma).privacy_report([_stats(sigma)], dataset={})
    assert privacy["noise_multiplier"] == sigma
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_tiny_noise_multiplier_is_said_to_guarantee_nothing(caplog):
    # noise_multiplier=0.01 spent ε ~1e5 on the default plan: results.json said
    # epsilon_valid: true and the log said nothing, while target_epsilon > 1000 is refused
    (message,) = _warnings(caplog, 0.01)
    assert message.startswith("defense.dp.noise_multiplier=0.01 spent epsilon ")
    assert "above 1000, where epsilon guarantees nothing" in message
    assert "raise defense.dp.noise_multiplier" in message


@pytest.mark.parametrize("sigma", [1.1, 0.0])  # a guarantee; no noise on purpose (ε = inf)
def test_a_guarantee_or_no_noise_at_all_is_not_warned_about(caplog, sigma):
    assert _warnings(caplog, sigma) == []
