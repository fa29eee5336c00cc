"""h380: two Optuna trials drawing the same values at once (launcher=joblib, a choice or
an int range: mia-train -m hparams_search=optuna_custom launcher=joblib seed=1
hydra.sweeper.n_trials=2 hydra.sweeper.n_jobs=2 '+hydra.sweeper.params={train.weight_decay:
"choice(0.0,0.001)"}' drew 0.001 twice) run in one folder: one ran there and gave the search
its result, the other was refused there, in use. The sweep ended with "every run of this
sweep was refused (1 of 1; nothing was trained, a search has no result)", exit 2. The run
now stands for both; a folder in use by a run not ended since the sweep started stays a
refusal."""

from __future__ import annotations

import os

import mia_defense.cli.sweep_end as ended
import mia_defense.cli.sweep_refusals as refusals
from mia_defense.tracking import write_json
from mia_defense.tracking.artifacts import SCHEMA_VERSION

# a complete run's results.json, of the config of the point refused in its folder
_RUN = {"status": "complete", "schema_version": SCHEMA_VERSION, "config": {"seed": 1}}


def _end(sweep_end, root, *, ran_there: bool):
    summary, config = sweep_end.start(root, task=["train.weight_decay=0.0,0.001"])
    point = root / "train.weight_decay=0.001"
    point.mkdir()
    if ran_there:  # (the twin that took the folder, in a joblib worker)
        write_json(point / "results.json", _RUN)
    said = (f"ConfigError: {point} is in use by pid 4242 on vm since 2026-12-06 22:21:59; "
            "wait for that run to end or choose another directory (hydra.run.dir=...)")
    refusals._RETURNED[:] = [(point, said)]
    refusals._RUNS_RETURNED[os.path.abspath(point)] = (_RUN["config"], None)
    refusals._LAUNCHED.add(os.path.abspath(point))
    summary.on_multirun_end(config)
    return point


def test_twin_trial_is_not_a_refusal(tmp_path, sweep_end, capsys):
    point = _end(sweep_end, tmp_path, ran_there=True)
    out, err = capsys.readouterr()
    assert ended.SWEEP_FAILED == []  # (exit 0)
    assert "every run of this sweep was refused" not in err, err
    assert "were refused" not in out, out
    assert "the run there stands for both" in out and point.name in out, out


def test_folder_in_use_by_a_run_still_going_is_refused(tmp_path, sweep_end, capsys):
    point = _end(sweep_end, tmp_path, ran_there=False)
    out = capsys.readouterr().out
    assert [run_dir for run_dir, _ in ended.SWEEP_FAILED] == [point]
    assert "1 run(s) of this sweep were refused" in out, out
    assert "stands for both" not in out, out
