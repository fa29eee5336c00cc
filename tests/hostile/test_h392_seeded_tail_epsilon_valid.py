"""Seeded DP-SGD noise (defense.dp.secure_mode=false, the default) stops at 5.77 standard
deviations, so a record's clipped gradient moves a step's noisy sum, with some probability,
where no draw without it reaches: an outcome (ε, δ)-DP allows a probability of δ at most.
mia-train defense=dp defense.dp.target_epsilon=50 (digits: σ 0.538, 240 steps, 1.4e-3
against δ 2e-4) said so in privacy.noise_caveat alone, with epsilon_valid: true, and
mia-report showed its ε as a guarantee, the caveat unshown (h392). Such a run now says
epsilon_valid false, the reason naming secure_mode; mia-report marks the ε of such a run
written before as none; the default ε 8 (7.9e-6, below δ) and secure noise stay valid."""

from __future__ import annotations

import pytest

from mia_defense.defenses import DPSGD
from mia_defense.defenses.accounting import epsilon_spent, seeded_tail_probability
from mia_defense.report import load_runs, summarise
from tests.report.fake_runs import make_run, rewrite_results

# digits' schedule (q 1/8, 240 steps, δ 2e-4) at target ε 50 and at the default 8
_RATE, _STEPS, _DELTA = 0.125, 240, 2e-4
_SIGMA_50, _SIGMA_8 = 0.538, 1.33


def _privacy(sigma: float, *, secure: bool = False) -> dict:
    stats = {"epsilon": epsilon_spent("rdp", ((sigma, _RATE, _STEPS),), _DELTA),
             "noise_multiplier": sigma, "sample_rate": _RATE, "steps": _STEPS,
             "delta": _DELTA}  # fmt: skip
    dp = DPSGD(noise_multiplier=sigma, target_epsilon=None, secure_mode=secure)
    return dp.privacy_report([dict(stats) for _ in range(4)], dataset={})


def test_seeded_noise_whose_tail_passes_delta_is_no_guarantee():
    tail = seeded_tail_probability(_SIGMA_50, _RATE, _STEPS)
    assert tail > _DELTA
    privacy = _privacy(_SIGMA_50)
    assert privacy["epsilon_valid"] is False
    reason = privacy["epsilon_invalid_reason"]
    assert reason.startswith("defense.dp.secure_mode=false (seeded noise; set it true")
    assert f"up to {tail:.2g} over a model's 240 steps" in reason
    assert "above its δ 0.0002 (4 of 4 models)" in reason
    assert "noise_caveat" in privacy  # (still there: the seed regenerates the noise)


@pytest.mark.parametrize(("sigma", "secure"), [(_SIGMA_8, False), (_SIGMA_50, True)])
def test_the_default_epsilon_and_secure_noise_stay_a_guarantee(sigma, secure):
    assert seeded_tail_probability(_SIGMA_8, _RATE, _STEPS) < _DELTA
    privacy = _privacy(sigma, secure=secure)
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy


def _older_run(run, sigma: float) -> None:
    """A run as mia-train wrote it before h392: the same privacy block, epsilon_valid true."""
    privacy = _privacy(sigma)
    privacy.pop("epsilon_invalid_reason", None)
    privacy.update(epsilon_valid=True, epsilon_refuted=False)
    make_run(run, test_accuracy=0.8, signal=0.3, defense="dp")
    rewrite_results(run, lambda p: p.update(privacy=privacy))


@pytest.mark.parametrize(("sigma", "source", "doubted"), [
    (_SIGMA_50, "seeded", True), (_SIGMA_8, "seeded", False), (_SIGMA_50, "secure", False),
])  # fmt: skip
def test_the_report_shows_an_older_run_s_epsilon_as_none(tmp_path, sigma, source, doubted):
    run = tmp_path / "run"
    _older_run(run, sigma)
    rewrite_results(run, lambda p: p["privacy"].update(noise_source=source))
    loaded = load_runs([run])
    assert [r.name for r in loaded.runs] == ["run"]
    notes = [n for _, n in loaded.caveats if "is not a guarantee" in n]
    (summary,) = summarise(loaded.runs)
    assert summary.epsilon_valid is not doubted
    if not doubted:
        assert notes == []
        return
    (note,) = notes
    assert "though results.json says epsilon_valid true" in note
    assert "defense.dp.secure_mode=false (seeded noise; set it true for a guarantee" in note
    assert "above its δ 0.0002" in note
