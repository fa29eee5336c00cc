"""A sweep's HParams experiment config is no run named "." in TensorBoard.

Measured: ``tensorboard --logdir <sweep>`` listed a run "." (no scalars, no images) among
the sweep's runs: the experiment config's event file lay in the sweep directory itself, and
TensorBoard names a run after the folder of its events. It is now in the sweep's own folder
``sweep_hparams`` (`SWEEP_EXPERIMENT_DIR`), a run of that name, and HParams reads it as
before: the union of the runs' columns, the swept key ticked, one row per run.
"""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.errors import DataError
from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import (
    SWEEP_EXPERIMENT_DIR,
    sessions_under,
    write_experiment,
    write_sweep_experiment,
)
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI


def _run(run_dir, defense):
    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    scores = rng.normal(size=(2, 40)) + masks
    attacks = {"loss": evaluate("loss", scores, masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.001,), bootstrap=0))}  # fmt: skip
    headline = {"utility/test_accuracy": 0.8, "privacy/strongest_tpr@0.1%fpr": 0.01}
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)], epoch_stats=[{}])
    hparams = {"defense": defense, "train.lr": 0.01}
    log_run(run_dir / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams=hparams, figures=False)  # fmt: skip
    write_json(run_dir / "results.json", {"status": "complete", "hparams": hparams,
                                          "defense": {}, "headline": headline})  # fmt: skip


def test_the_sweeps_experiment_config_is_a_named_run_not_dot(tmp_path, sweep_end, capsys):
    root = tmp_path / "sweep"
    _run(root / "defense=none", "none")
    _run(root / "defense=weight_decay", "weight_decay")
    # what an earlier version wrote in the sweep directory: replaced, not kept beside
    write_experiment(root, sessions_under(root), swept=[])
    sweep_end.end(root, task=["defense=none,weight_decay"])  # (no run of its own)
    assert "tensorboard --logdir" in capsys.readouterr().out
    assert not list(root.glob("events.out.tfevents.*"))
    assert len(list((root / SWEEP_EXPERIMENT_DIR).glob("events.out.tfevents.*"))) == 1
    api = TensorBoardAPI(root)
    runs = api.get("/data/runs")
    assert "." not in runs
    assert sorted(runs) == ["defense=none/tb", "defense=weight_decay/tb", SWEEP_EXPERIMENT_DIR]
    experiment = api.experiment()  # the sweep's, not built from the sessions
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert [name for name, h in infos.items() if h["differs"]] == ["defense"]
    assert sorted(infos["defense"]["domainDiscrete"]) == ["none", "weight_decay"]
    groups = api.session_groups(experiment)
    assert sorted(groups) == ["defense=none/tb", "defense=weight_decay/tb"]
    assert groups["defense=none/tb"]["metrics"]["utility/test_accuracy"] == pytest.approx(0.8)


def test_a_link_in_place_of_the_folder_is_refused_and_its_target_left_alone(tmp_path):
    root = tmp_path / "sweep"
    _run(root / "defense=none", "none")
    elsewhere = tmp_path / "elsewhere"
    kept = write_experiment(elsewhere, sessions_under(root), swept=[])
    (root / SWEEP_EXPERIMENT_DIR).symlink_to(elsewhere)
    with pytest.raises(DataError, match=rf"{SWEEP_EXPERIMENT_DIR}: a link to .*delete it"):
        write_sweep_experiment(root, sessions_under(root), swept=[])
    assert list(elsewhere.iterdir()) == [kept]
