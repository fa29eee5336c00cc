"""A DP run's hyperparameters (results.json's ``defense`` block: the report's column) edited
beside a config that left the setting null: 'dp.delta' set to -1 (or NaN, 'x', 0.5) where
config.defense.dp.delta is null ('auto' is what DPSGD.hparams writes) was shown in the
row of a valid ε as 'dp.delta=-1', under a δ no run had (a mia-train run of defense=dp
plan.num_models=4 train.epochs=2 so edited: '1 run reported, 0 skipped'); a number the
config holds recorded as 'auto' likewise. The run is now skipped with the key named, as an
edit between two numbers already was; the words DPSGD writes for null are read as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mia_defense.report import load_runs
from mia_defense.tracking import write_npz
from tests.report.fake_runs import dp_payload

_MEMBERS = 100  # each model's: δ defaults to 1 / (10 · 100)
_HPARAMS = {"dp.noise_multiplier": 1.0, "dp.target_epsilon": "none", "dp.delta": "auto",
            "dp.max_grad_norm": 1.0, "dp.accountant": "rdp"}  # fmt: skip


def _write(run_dir: Path, **hparams) -> None:
    payload = dp_payload(run_dir, 1.0, rate=0.125, steps=8, delta=1 / (10 * _MEMBERS),
                         dp={"delta": None, "target_epsilon": None})  # fmt: skip
    masks = np.zeros((4, 200), dtype=bool)
    masks[:, :_MEMBERS] = True  # (mia-train's default δ of each model: 1 / (10 · members))
    write_npz(run_dir / "observations.npz", masks=masks, labels=np.zeros(200, dtype=np.int64))
    payload["defense"].update(_HPARAMS, **hparams)
    (run_dir / "results.json").write_text(json.dumps(payload, allow_nan=True))  # (NaN kept)


@pytest.mark.parametrize(("key", "value", "config"), [
    ("dp.delta", -1, "delta=null"), ("dp.delta", float("nan"), "delta=null"),
    ("dp.delta", "x", "delta=null"), ("dp.delta", 0.5, "delta=null"),
    ("dp.target_epsilon", 2.0, "target_epsilon=null"),
    ("dp.noise_multiplier", "auto", "noise_multiplier=1.0"),
])  # fmt: skip
def test_a_setting_beside_a_config_of_another_skips_the_run(tmp_path, key, value, config):
    _write(tmp_path / "kept")
    _write(tmp_path / "edited", **{key: value})
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"], loaded.skipped
    assert dict(loaded.skipped)[tmp_path / "edited"] == (
        f"defense.{key} is {value!r}, but config.defense's dp, which trained and released the "
        f"models, has {config}: the file was edited; rerun the run")


@pytest.mark.parametrize("hparams", [{}, {"dp.delta": None, "dp.target_epsilon": None}])
def test_what_dpsgd_writes_and_an_older_null_are_read(tmp_path, hparams):
    _write(tmp_path / "run", **hparams)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"], loaded.skipped
