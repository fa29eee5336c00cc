"""A DP run's config.defense.dp.target_epsilon edited in results.json above the largest
target mia-train accepts (`MAX_TARGET_EPSILON`, 1e3: DPSGD refuses a larger one before any
training) was ranked by mia-report with its ε as a guarantee calibrated to it: the report's
check of the DP settings (`_dp_setting_problem`) asked a target only to be > 0 and finite.
The run is now skipped with the key named; a target at or below the limit reads as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mia_defense.defenses.accounting import MAX_TARGET_EPSILON, noise_multiplier_for
from mia_defense.report import load_runs
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA = 0.125, 8, 0.0002


def _write(run_dir: Path, target: float, monkeypatch) -> float:
    """A run whose noise the σ search calibrated for ``target`` (as DPSGD does, its config
    saying so); return the ε it recorded."""
    monkeypatch.setenv("MIA_DEFENSE_CACHE_DIR", "")  # (no σ kept on disk)
    sigma = noise_multiplier_for("rdp", target, _DELTA, _RATE, _STEPS)
    payload = dp_payload(run_dir, sigma, rate=_RATE, steps=_STEPS, delta=_DELTA)
    payload["config"]["defense"]["dp"].update(noise_multiplier=None, target_epsilon=target)
    (run_dir / "results.json").write_text(json.dumps(payload))
    return payload["privacy"]["epsilon"]


def test_a_target_above_the_largest_mia_train_accepts_skips_the_run(tmp_path, monkeypatch):
    eps = _write(tmp_path / "edited", MAX_TARGET_EPSILON * 4, monkeypatch)
    assert eps > MAX_TARGET_EPSILON  # (the edit: no mia-train calibrates past the limit)
    loaded = load_runs([tmp_path])
    assert loaded.runs == []
    reason = dict(loaded.skipped)[tmp_path / "edited"]
    assert reason.startswith("config.defense.dp.target_epsilon is a number "), reason
    assert (f"no setting mia-train trains with (a number in (0, {MAX_TARGET_EPSILON:g}] or "
            "null)") in reason, reason
    assert reason.endswith("the file was edited; rerun the run")


@pytest.mark.parametrize("target", [MAX_TARGET_EPSILON, MAX_TARGET_EPSILON / 4])
def test_a_target_mia_train_accepts_is_read(tmp_path, monkeypatch, target):
    assert _write(tmp_path / "run", target, monkeypatch) <= target
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"], loaded.skipped
