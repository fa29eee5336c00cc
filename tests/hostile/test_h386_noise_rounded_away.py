"""DP-SGD noise that float32 rounds away against the clipped sums it is added to (h386):
mia-train defense=dp defense.dp.target_epsilon=null defense.dp.noise_multiplier=1e-6
plan.num_models=2 train.epochs=1 trained with next to no noise (σ·C = 1e-6 is in float32's
normal range, so 0c84d285's rule let it pass) and results.json said privacy.epsilon 4.4e12,
epsilon_valid true."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mia_defense.defenses import DPSGD
from mia_defense.defenses.accounting import (
    SIGMA_CACHE_ENV,
    least_expected_batch,
    noise_vanishes,
    schedule_epsilon,
)
from mia_defense.defenses.dp_mechanism import DPSchedule, RandomSource, gaussian_noise
from mia_defense.errors import ConfigError
from mia_defense.report.checks import epsilon_doubt, payload_problem
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA = 0.125, 8, 0.0002


def test_float32_sums_of_a_batch_round_such_noise_away():
    """What ran: 64 clipped gradients of norm 1 agreeing in a coordinate sum to 64, beside
    which float32 keeps almost none of a noise of standard deviation 1e-6."""
    source = RandomSource.seeded(torch.Generator().manual_seed(0))
    noise = gaussian_noise(100_000, 1e-6, source)
    total = torch.full((100_000,), 64.0)
    assert ((total + noise) == total).float().mean() > 0.9
    assert schedule_epsilon("rdp", 1e-6, _RATE, _STEPS, _DELTA) < float("inf")  # ε claimed


def test_a_noise_multiplier_the_batch_sums_round_away_is_refused(monkeypatch):
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    dp = DPSGD(noise_multiplier=1e-6, target_epsilon=None)
    with pytest.raises(ConfigError, match=r"defense\.dp\.noise_multiplier=1e-06 .*float32's "
                                          r"precision .*64·C = 64.*no ε holds; raise it"):
        dp.plan(sizes=[512, 512], batch_size=64, epochs=1)
    # against a single clipped gradient of norm C, before any plan
    with pytest.raises(ConfigError, match=r"noise_multiplier=3e-08 .*precision"):
        DPSGD(noise_multiplier=3e-8, target_epsilon=None)


def test_noise_above_float32_s_precision_at_the_sums_is_accepted(monkeypatch):
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    DPSGD(noise_multiplier=1e-5, target_epsilon=None).plan(sizes=[512], batch_size=64, epochs=1)
    DPSGD(noise_multiplier=1e-6, target_epsilon=None).plan(sizes=[512], batch_size=8, epochs=1)
    assert noise_vanishes(0.0, 1.0, 64) is None  # no noise on purpose: ε = inf, said as such


@pytest.mark.parametrize("batch_size", [1, 7, 64, 100])
def test_the_least_expected_batch_bounds_every_schedule_of_its_rate(batch_size):
    for n in range(1, 700):
        schedule = DPSchedule.of(n, batch_size)
        least = least_expected_batch(batch_size, schedule.sample_rate)
        assert 1 <= least <= schedule.expected_batch_size
    assert least_expected_batch(64, float("nan")) == least_expected_batch(None, 0.1) == 1


def _payload(tmp_path: Path, sigma: float, batch_size: int) -> dict:
    payload = dp_payload(tmp_path / "run", sigma, rate=_RATE, steps=_STEPS, delta=_DELTA)
    payload["config"]["train"]["batch_size"] = batch_size
    return payload


def test_the_report_doubts_an_epsilon_of_noise_the_sums_rounded_away(tmp_path):
    """A run of before h386 (or a file edited to one): mia-report ranked ε 4.4e12 as a
    guarantee. Its batch (at least 56 records at q = 1/8 and batches of 64) tells."""
    payload = _payload(tmp_path, 1e-6, 64)
    assert payload_problem(payload) is None
    doubt = epsilon_doubt(payload)
    assert doubt is not None and "noise_multiplier 1e-06" in doubt, doubt
    assert "float32's precision" in doubt and "no ε holds" in doubt
    assert epsilon_doubt(_payload(tmp_path, 1e-6, 8)) is None  # sums of 7: the noise stays
