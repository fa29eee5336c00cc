"""A DP run's results.json without ``privacy.per_model`` was exempt from the check that its ε
lies at most at the target_epsilon that calibrated its noise (helper 511): the same run whose
target was lowered by hand below its ε (8 against 2) is skipped with per_model, but with
per_model and the writer's mark (``timings``) deleted too, as an older run's file reads, it
was ranked with its ε as a guarantee under a target of 2. Such an ε is now doubted (no
guarantee, with the reason), as an ε mia-attack carries without per_model is; an older run
within its target reads as before."""

from __future__ import annotations

import json
from pathlib import Path

from mia_defense.defenses.accounting import noise_multiplier_for
from mia_defense.report import load_runs, write_report
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA = 0.125, 80, 1e-4


def _write(run_dir: Path, monkeypatch, *, target: float, per_model: bool) -> dict:
    """A run whose σ was searched for ε 8, its config's target then set to ``target``,
    its per_model (and the writer's mark, lest `schedule_deleted` tell) kept or not."""
    monkeypatch.setenv("MIA_DEFENSE_CACHE_DIR", "")  # (no σ kept on disk)
    sigma = noise_multiplier_for("rdp", 8.0, _DELTA, _RATE, _STEPS)
    payload = dp_payload(run_dir, sigma, rate=_RATE, steps=_STEPS, delta=_DELTA)
    payload["config"]["defense"]["dp"].update(noise_multiplier=None, target_epsilon=target)
    if not per_model:
        del payload["privacy"]["per_model"], payload["timings"]
    (run_dir / "results.json").write_text(json.dumps(payload))
    return payload


def test_a_run_with_per_model_above_its_target_is_skipped(tmp_path, monkeypatch):
    _write(tmp_path / "run", monkeypatch, target=2.0, per_model=True)
    assert "above config.defense.dp.target_epsilon 2" in dict(load_runs([tmp_path]).skipped)[
        tmp_path / "run"]


def test_the_same_run_without_per_model_is_no_guarantee(tmp_path, monkeypatch):
    payload = _write(tmp_path / "sweep" / "run", monkeypatch, target=2.0, per_model=False)
    report = write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", charts=False,
                          tensorboard=False)  # fmt: skip
    (row,) = report.groups
    assert row.epsilon == payload["privacy"]["epsilon"] > 2.0 and not row.epsilon_valid
    notes = " | ".join(note for _, note in report.caveats)
    assert "is above defense.dp.target_epsilon 2, which calibrated the noise, and " in notes
    assert "results.json has no privacy.per_model to recompute it from" in notes
    assert "(not a guarantee)" in (tmp_path / "out" / "README.md").read_text()


def test_an_older_run_within_its_target_is_read_as_before(tmp_path, monkeypatch):
    _write(tmp_path / "sweep" / "run", monkeypatch, target=8.0, per_model=False)
    report = write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", charts=False,
                          tensorboard=False)  # fmt: skip
    assert report.groups[0].epsilon_valid
    assert "target_epsilon" not in " | ".join(note for _, note in report.caveats)
