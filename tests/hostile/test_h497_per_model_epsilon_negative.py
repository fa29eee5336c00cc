"""A DP run's privacy.per_model[k].epsilon edited to -1 was read: the report recomputes, of
the models sharing a schedule (σ, sample rate, steps), only the one of the least δ, and no
check asked the others' ε to be one (a mia-train run of defense=dp plan.num_models=4
train.epochs=2, its first model's ε set to -1: '1 run reported, 0 skipped'). The run is now
skipped with the key named, as a NaN one already was; the ε recorded is read as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import dp_payload


def _write(run_dir: Path, epsilon: float | None = None, k: int = 1) -> None:
    payload = dp_payload(run_dir, 1.0, rate=0.125, steps=8, delta=0.0002)
    if epsilon is not None:  # (the four models share δ: model 0 is the one recomputed)
        payload["privacy"]["per_model"][k]["epsilon"] = epsilon
    (run_dir / "results.json").write_text(json.dumps(payload, allow_nan=True))  # (NaN kept)


@pytest.mark.parametrize(("epsilon", "k", "said"), [
    (-1, 1, "privacy.per_model[1].epsilon is -1, negative (no ε is)"),
    (-1e-9, 3, "privacy.per_model[3].epsilon is -1e-09, negative (no ε is)"),
    (float("nan"), 2, "privacy.per_model[2].epsilon is nan, not a finite number"),
])  # fmt: skip
def test_a_model_epsilon_no_model_spends_skips_the_run(tmp_path, epsilon, k, said):
    _write(tmp_path / "kept")
    _write(tmp_path / "edited", epsilon, k)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    reason = dict(loaded.skipped)[tmp_path / "edited"]
    assert reason.startswith(said), reason
    assert reason.endswith("the file was edited; rerun the run")


def test_a_model_epsilon_of_zero_is_read(tmp_path):  # (below the others': none recomputes it)
    _write(tmp_path / "run", 0.0)
    assert [r.name for r in load_runs([tmp_path]).runs] == ["run"]
