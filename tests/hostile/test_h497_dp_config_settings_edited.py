"""A DP run's config.defense.dp settings edited in results.json to none mia-train trains
with (δ -1, NaN or 'x', target_epsilon 'x', max_grad_norm 'x', an accountant or flag of
no kind it has) were ranked by mia-report with the recorded ε as a guarantee: δ NaN, the
target ε and the clipping norm 'x' passed every check (a mia-train run of defense=dp
plan.num_models=4 train.epochs=2 so edited: '1 run reported, 0 skipped'). The run is now
skipped with the key named; settings of their kinds, and null ones, are read as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report import load_runs
from tests.report.fake_runs import dp_payload

_RATE, _STEPS, _DELTA = 0.125, 8, 0.0002


def _write(run_dir: Path, **dp) -> None:
    payload = dp_payload(run_dir, 1.0, rate=_RATE, steps=_STEPS, delta=_DELTA)
    payload["config"]["defense"]["dp"].update(dp)
    (run_dir / "results.json").write_text(json.dumps(payload, allow_nan=True))  # (NaN kept)


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("delta", float("nan"), "is a number nan, no setting mia-train trains with (a number "
                                "in (0, 1) or null)"),
        ("delta", -1, "is a number -1, no setting"),
        ("delta", "x", "is a string 'x', no setting"),
        ("target_epsilon", "x", "is a string 'x', no setting mia-train trains with (a number "
                                f"in (0, {MAX_TARGET_EPSILON:g}] or null)"),
        ("target_epsilon", -1, "is a number -1, no setting"),
        ("max_grad_norm", "x", "is a string 'x', no setting mia-train trains with (a number "
                               "in (0, inf))"),
        ("max_grad_norm", float("nan"), "is a number nan, no setting"),
        ("noise_multiplier", "x", "is a string 'x', no setting"),
        ("accountant", -1, "is a number -1, no accountant mia-train has (rdp, prv, gdp)"),
        ("poisson_sampling", "false", "is a string 'false', not true or false"),
    ],
)
def test_a_setting_no_run_had_skips_the_run(tmp_path, setting, value, said):
    _write(tmp_path / "kept")
    _write(tmp_path / "edited", **{setting: value})
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    reason = dict(loaded.skipped)[tmp_path / "edited"]
    assert reason.startswith(f"config.defense.dp.{setting} {said}"), reason
    assert reason.endswith("the file was edited; rerun the run")


@pytest.mark.parametrize("dp", [{"delta": _DELTA}, {"target_epsilon": None},
                                {"max_grad_norm": 0.5}, {"accountant": "rdp"},
                                {"poisson_sampling": True, "secure_mode": False}])  # fmt: skip
def test_settings_a_run_has_are_read(tmp_path, dp):
    _write(tmp_path / "run", **dp)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"], loaded.skipped
