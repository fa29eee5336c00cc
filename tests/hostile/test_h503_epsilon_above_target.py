"""A DP run whose config.defense.dp.target_epsilon (noise_multiplier null) was edited in
results.json to below the ε it recorded was ranked by mia-report with that ε as a guarantee
calibrated to the lower target: the report asked the recorded ε not to lie more than the
search's 0.01 below the target, never above it. mia-train's σ spends at most the target in
each model's planned steps (`accounting.shared_noise_multiplier`; a model stopped early is
accounted for its planned steps), and results.json records that accountant's figure, so a
recorded ε above the target is now refused (beyond float rounding). An unedited run of a
target ε, and one whose ε is the target itself, read as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mia_defense.defenses.accounting import noise_multiplier_for
from mia_defense.report import load_runs
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA, _TARGET = 0.125, 8, 0.0002, 2.0


def _payload(run_dir: Path, monkeypatch) -> dict:
    """A run whose noise the σ search calibrated for `_TARGET`, as DPSGD does."""
    monkeypatch.setenv("MIA_DEFENSE_CACHE_DIR", "")  # (no σ kept on disk)
    sigma = noise_multiplier_for("rdp", _TARGET, _DELTA, _RATE, _STEPS)
    payload = dp_payload(run_dir, sigma, rate=_RATE, steps=_STEPS, delta=_DELTA)
    payload["config"]["defense"]["dp"].update(noise_multiplier=None, target_epsilon=_TARGET)
    return payload


def _write(run_dir: Path, payload: dict) -> None:
    (run_dir / "results.json").write_text(json.dumps(payload))


@pytest.mark.parametrize("below", [0.005, 0.5])  # (within the search's 0.01, and far)
def test_a_target_edited_below_the_recorded_epsilon_skips_the_run(tmp_path, monkeypatch, below):
    payload = _payload(tmp_path / "edited", monkeypatch)
    eps = payload["privacy"]["epsilon"]
    payload["config"]["defense"]["dp"]["target_epsilon"] = eps - below
    _write(tmp_path / "edited", payload)
    loaded = load_runs([tmp_path])
    assert loaded.runs == []
    reason = dict(loaded.skipped)[tmp_path / "edited"]
    said = (f"privacy.epsilon is {eps:.12g}, above config.defense.dp.target_epsilon "
            f"{eps - below:.12g}, which calibrated the noise")
    assert reason.startswith(said), reason
    assert reason.endswith("the file was edited; rerun the run")


def test_an_unedited_run_of_a_target_epsilon_is_read(tmp_path, monkeypatch):
    payload = _payload(tmp_path / "run", monkeypatch)
    assert _TARGET - 0.01 <= payload["privacy"]["epsilon"] <= _TARGET  # (the search's end)
    _write(tmp_path / "run", payload)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"], loaded.skipped


def test_an_epsilon_at_its_target_is_read(tmp_path, monkeypatch):
    payload = _payload(tmp_path / "run", monkeypatch)
    payload["config"]["defense"]["dp"]["target_epsilon"] = payload["privacy"]["epsilon"]
    _write(tmp_path / "run", payload)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"], loaded.skipped


def test_a_run_without_per_model_is_not_held_to_it(tmp_path, monkeypatch):
    """Before per_model (5c1486b) σ was searched for Opacus' int(epochs / q) steps, one
    fewer than were taken where the division rounds down: the ε could end past the target.
    Such a file has no writer's mark either (the check of a deleted per_model)."""
    payload = _payload(tmp_path / "old", monkeypatch)
    eps = payload["privacy"]["epsilon"]
    payload["config"]["defense"]["dp"]["target_epsilon"] = eps - 0.005
    del payload["privacy"]["per_model"]
    for key in ("timings", "sha256"):
        payload.pop(key, None)
    _write(tmp_path / "old", payload)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["old"], loaded.skipped
