"""h393: two sweeps started into one hydra.sweep.dir at the same time (mia-train -m
plan.num_models=4 train.epochs=40 hydra.sweep.dir=S seed=0,1,2, twice, 3 s apart): the second
found seed=1's folder in use by the first's process, which finished it, and ended saying its
point "drew the values of another that ran at the same time in the same folder (an Optuna
search drawing a value twice)": a grid over seeds draws nothing, and the holder was another
process's run. The end now names both causes and the holder, and the run there still stands
for the point (exit 0: its folder holds the complete run of its config)."""

from __future__ import annotations

import os

import mia_defense.cli.sweep_end as ended
import mia_defense.cli.sweep_refusals as refusals
from mia_defense.tracking import write_json
from mia_defense.tracking.artifacts import SCHEMA_VERSION

# a complete run's results.json, of the config of the point refused in its folder
_RUN = {"status": "complete", "schema_version": SCHEMA_VERSION, "config": {"seed": 1}}


def test_a_point_another_sweep_finished_is_not_said_to_be_a_twin_draw(tmp_path, sweep_end,
                                                                       capsys):
    summary, config = sweep_end.start(tmp_path, task=["seed=0,1,2"])
    point = tmp_path / "seed=1"
    point.mkdir()
    write_json(point / "results.json", _RUN)  # (the other sweep's run, of its config)
    said = (f"ConfigError: {point} is in use by pid 22998 on vm since 2026-12-07 00:31:51; "
            "wait for that run to end or choose another directory (hydra.run.dir=...)")
    refusals._RETURNED[:] = [(point, said)]
    refusals._RUNS_RETURNED[os.path.abspath(point)] = (_RUN["config"], None)
    refusals._LAUNCHED.add(os.path.abspath(point))
    summary.on_multirun_end(config)
    out = capsys.readouterr().out
    assert ended.SWEEP_FAILED == []  # (exit 0: the folder holds the complete run)
    assert "drew the values of another" not in out, out
    assert ("1 point(s) of this sweep found their folder in use by a run of its overrides "
            "that finished there since") in out, out
    assert "or another mia-train run into this folder meanwhile" in out, out
    assert "in use by pid 22998" in out and "the run there stands for both" in out, out
