"""TensorBoard's HParams table names each row (its "Trial ID", about 16 characters shown) by
what the run's sweep varies, then its directory: ``train.lr=0.01 · /.../multirun/...``.

Measured (TensorBoard 2.21): with no group name the Trial ID is the run's folder under
``--logdir``, the same prefix for every run of a sweep (``2026-12-06/02-35-00/plan.num_mo``,
``s1/plan.num_models=4,...``), so the column told no run from another. Sessions of one group
name are one row (metrics averaged): the name keeps the run's directory, so two sweeps of the
same values under one ``--logdir`` stay two rows each; absolute, as the same command run in
two folders (the same ``hydra.sweep.dir=s1``) made one row of two runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra.types import RunMode
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.plugins.hparams import metadata, plugin_data_pb2

from mia_defense.cli.sweep_checks import job_trial
from mia_defense.tracking.tensorboard import log_run
from tests.tracking.tb_api import TensorBoardAPI

ACCURACY = "utility/test_accuracy"


def _log(run_dir, *, lr, accuracy, trial=""):
    log_run(run_dir / "tb", histories=[], attacks={}, scalars={ACCURACY: accuracy},
            hparams={"train.lr": lr}, figures=False, trial=trial)  # fmt: skip


def _group_names(log_dir):
    names = []
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                if value.tag == metadata.SESSION_START_INFO_TAG:
                    data = plugin_data_pb2.HParamsPluginData.FromString(
                        value.metadata.plugin_data.content)  # fmt: skip
                    names.append(data.session_start_info.group_name)
    return names


def test_the_trial_id_begins_with_the_swept_values_and_names_one_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _log(tmp_path / "s1" / "a", lr=0.01, accuracy=0.5, trial="ignored")  # an attempt, resumed
    for sweep, accuracy in (("s1", 0.5), ("s2", 0.9)):  # two sweeps of the same values
        _log(tmp_path / sweep / "a", lr=0.01, accuracy=accuracy, trial="train.lr=0.01")
        _log(tmp_path / sweep / "b", lr=0.001, accuracy=accuracy - 0.1, trial="train.lr=0.001")
    _log(tmp_path / "single", lr=0.1, accuracy=0.7)  # nothing to begin with: its folder
    # the same command run in another folder (hydra.sweep.dir=s1 there too: its runs were
    # named 's1/a' as the first folder's, one row of the mean of both runs' figures)
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    _log(Path("s1") / "a", lr=0.01, accuracy=0.3, trial="train.lr=0.01")
    # the resumed run wrote one session start, its own
    assert _group_names(tmp_path / "s1" / "a" / "tb") == [f"train.lr=0.01 · {tmp_path}/s1/a"]
    api = TensorBoardAPI(tmp_path)
    sessions = api.session_groups(api.experiment())
    assert {name: s["group"] for name, s in sessions.items()} == {
        "s1/a/tb": f"train.lr=0.01 · {tmp_path}/s1/a",
        "s1/b/tb": f"train.lr=0.001 · {tmp_path}/s1/b",
        "s2/a/tb": f"train.lr=0.01 · {tmp_path}/s2/a",
        "s2/b/tb": f"train.lr=0.001 · {tmp_path}/s2/b",
        "other/s1/a/tb": f"train.lr=0.01 · {tmp_path}/other/s1/a",
        "single/tb": "single/tb",
    }  # fmt: skip
    # one row each, its own figures (one name would average s1/a's 0.5 and s2/a's 0.9)
    assert all(len(s["status"]) == 1 for s in sessions.values())
    assert sessions["s1/a/tb"]["metrics"][ACCURACY] == pytest.approx(0.5)
    assert sessions["s2/a/tb"]["metrics"][ACCURACY] == pytest.approx(0.9)
    assert sessions["other/s1/a/tb"]["metrics"][ACCURACY] == pytest.approx(0.3)


_SWEEP = ["train.lr=0.01,0.001", "train.epochs=2", "~attack.attacks.shokri"]
_JOB = ["train.lr=0.01", "train.epochs=2", "~attack.attacks.shokri", "defense=[dp]"]


@pytest.mark.parametrize(("mode", "sweep", "record", "expected"), [
    # a sweep in this process: the keys it varies, the command line's and its own params
    (RunMode.MULTIRUN, {"overrides": _SWEEP, "params": {"defense": "[],[dp]"}}, None,
     "train.lr=0.01,defense=[dp]"),
    # jobs in a process of their own (a launcher's): the sweep's multirun.yaml
    (RunMode.MULTIRUN, None, {"overrides": _SWEEP, "params": {}}, "train.lr=0.01"),
    # ... none it can read (a folder its host does not share): the job's search space
    (RunMode.MULTIRUN, None, None, "defense=[dp]"),
    # a single run: what its command line sets, but of keys that change nothing it computes
    (RunMode.RUN, None, None, "train.lr=0.01,train.epochs=2,~attack.attacks.shokri,defense=[dp]"),
])  # fmt: skip
def test_a_jobs_trial_is_what_its_sweep_varies(tmp_path, mode, sweep, record, expected):
    def hydra(spec):
        return {"sweeper": {"params": spec["params"]}, "overrides": {"task": spec["overrides"]}}

    if record is not None:
        (tmp_path / "s").mkdir()
        OmegaConf.save(OmegaConf.create({"hydra": hydra(record)}), tmp_path / "s/multirun.yaml")
    job = OmegaConf.create({
        "mode": mode, "sweeper": {"params": {"defense": "[],[dp]"}},
        "overrides": {"task": [*_JOB, "progress=false"]},
        "runtime": {"cwd": str(tmp_path)}, "sweep": {"dir": "s"},
        "job": {"config": {"override_dirname": {"exclude_keys": ["progress"]}}},
    })  # fmt: skip
    sweep_config = None if sweep is None else OmegaConf.create({"hydra": hydra(sweep)})
    assert job_trial(job, sweep_config) == expected


def test_an_optuna_searchs_trials_are_named_by_their_values(optuna_sweep):
    """Through mia-train -m (the shared two-trial search): each trial's group name is its
    searched values, then its folder; not the settings every trial shares."""
    for log_dir in optuna_sweep.glob("*/tb"):
        (name,) = _group_names(log_dir)
        values, _, where = name.partition(" · ")
        assert where == os.path.abspath(log_dir.parent)
        keys = [item.split("=", 1)[0] for item in values.split(",")]
        assert sorted(keys) == ["model.dropout", "train.epochs", "train.weight_decay"], name
