"""Secure DP-SGD noise of a σ too small for its draws' reach (h429): the secure noise's draws
stop at 17.1 standard deviations (four float64 Box-Muller draws, halved), so at σ = 4e-6
(just above what `noise_vanishes` refuses at batches of 64) a record's clipped gradient, 2.5e5
of them, shows in every step that samples it; results.json still recorded the accountant's
ε 9.3e12 with ``epsilon_valid: true`` (mia-train defense=dp defense.dp.noise_multiplier=4e-6
defense.dp.target_epsilon=null defense.dp.secure_mode=true). It is false now, as for seeded
noise whose tail passes δ, and said before training as for seeded noise (h401)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import DPSGD, dp_mechanism
from mia_defense.defenses.accounting import (
    SECURE_NORMAL_BOUND,
    privacy_report,
    schedule_epsilon,
    seeded_tail_probability,
)
from mia_defense.pipeline.data import prepare_data

# The default plan's schedule on digits (500 members, batches of 64, 30 epochs).
_RATE, _STEPS, _DELTA = 0.125, 240, 2e-4


def _report(sigma: float) -> dict:
    stats = {"noise_multiplier": sigma, "sample_rate": _RATE, "steps": _STEPS,
             "delta": _DELTA, "epsilon": schedule_epsilon("rdp", sigma, _RATE, _STEPS, _DELTA)}
    return privacy_report([stats, stats], accountant="rdp", noise_source="secure",
                          preprocessing="none")  # fmt: skip


def test_secure_noise_at_4e_6_is_no_guarantee():
    report = _report(4e-6)
    assert report["epsilon"] > 1e12  # what the accountant gives (finite)
    assert report["epsilon_valid"] is False
    reason = report["epsilon_invalid_reason"]
    assert "defense.dp.secure_mode=true" in reason and "defense.dp.noise_multiplier" in reason
    assert f"{SECURE_NORMAL_BOUND:.3g} standard deviations" in reason
    assert "2 of 2 models" in reason


@pytest.mark.parametrize("sigma", [0.05, 0.075, 0.08, 0.2, 1.0])
def test_valid_exactly_where_the_tail_stays_below_delta(sigma):
    tail = seeded_tail_probability(sigma, _RATE, _STEPS, SECURE_NORMAL_BOUND)
    report = _report(sigma)
    assert report["epsilon_valid"] is (tail <= _DELTA)
    assert ("secure noise's draws" in report.get("epsilon_invalid_reason", "")) is (tail > _DELTA)


def test_the_bound_is_where_the_secure_draws_stop(monkeypatch):
    # the extreme uniforms: 1 - U at its least (radius sqrt(-2 ln 2^-53)), angle 0 (cos 1)
    extremes = iter([np.array([1 - 2.0**-53]), np.array([0.0])] * 4)
    monkeypatch.setattr(dp_mechanism, "_secure_uniform",
                        lambda size: dp_mechanism.torch.from_numpy(next(extremes)))  # fmt: skip
    drawn = dp_mechanism.RandomSource.secure().normal(1, 1.0)
    assert float(drawn[0]) == pytest.approx(SECURE_NORMAL_BOUND, rel=1e-6)


def test_said_before_training_as_after(make_cfg, caplog):
    cfg = make_cfg("defense=dp", "defense.dp.noise_multiplier=4e-6",
                   "defense.dp.target_epsilon=null", "defense.dp.secure_mode=true")  # fmt: skip
    with caplog.at_level(logging.WARNING):
        data = prepare_data(build_experiment(cfg))  # (the checks before training)
    prefix = "defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): "
    (before,) = [r.getMessage().removeprefix(prefix) for r in caplog.records
                 if r.getMessage().startswith(prefix)]  # fmt: skip
    assert "the noise the run is to draw" in before
    dp = DPSGD(noise_multiplier=4e-6, target_epsilon=None, secure_mode=True)
    stats = dp.planned_stats(sizes=[int(n) for n in data.plan.masks.sum(axis=1)],
                             batch_size=cfg.train.batch_size, epochs=cfg.train.epochs)
    per_model = [{**m, "epsilon": schedule_epsilon("rdp", m["noise_multiplier"],
                  m["sample_rate"], int(m["steps"]), m["delta"])} for m in stats]  # fmt: skip
    after = dp.privacy_report(per_model, dataset={})["epsilon_invalid_reason"]
    assert after == before.replace("the run is to draw", "that ran")


@pytest.mark.parametrize(("sigma", "doubted"), [(4e-6, True), (1.0, False)])
def test_the_report_doubts_a_secure_run_written_before(tmp_path, sigma, doubted):
    from mia_defense.report.checks import epsilon_doubt, payload_problem
    from tests.report.fake_runs import dp_payload

    payload = dp_payload(tmp_path / "run", sigma, rate=_RATE, steps=_STEPS, delta=_DELTA,
                         dp={"secure_mode": True}, privacy={"noise_source": "secure"})
    assert payload_problem(payload) is None  # (its ε is the accountant's of σ: consistent)
    doubt = epsilon_doubt(payload)
    assert (doubt is not None) is doubted, doubt
    if doubted:
        assert "the secure noise's draws (defense.dp.secure_mode=true)" in doubt
        assert "4 of 4 models" in doubt and "for the noise that ran" in doubt
