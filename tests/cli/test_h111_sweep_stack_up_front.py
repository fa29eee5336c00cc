"""A sweep point whose defense stack is refused whatever the data (early_stopping at
train.epochs=1 in one point of a grid) is refused by `check_defense_stack` before its data is
loaded, as a single run is (`CheckConfigCallback`): the sweep's jobs ran `check_config` only,
so the point loaded the data, claimed its folder (.lock), took a model-store lock and started
training before the pipeline refused it. Same message, same end-of-sweep lines (h111)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

REFUSAL = ("ConfigError: defense.early_stopping: train.epochs=1 leaves nothing to stop or "
           "restore (the one epoch is the last); raise train.epochs or drop the early_stopping "
           "defense")  # fmt: skip


def test_a_refused_stack_in_one_point_of_a_sweep_is_refused_before_its_data(tmp_path):
    # (the good point a tiny run: 200 records, no bootstrap intervals)
    done = mia_train("-m", "defense=early_stopping", "plan.reference_size=50",
                     "plan.num_models=2", "plan.population_size=200", "attack.bootstrap=0",
                     "train.epochs=2,1", "progress=false", "figures=false",
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    point = ("attack.bootstrap=0,defense=early_stopping,plan.num_models=2,"
             "plan.population_size=200,plan.reference_size=50,train.epochs=")
    good, refused = tmp_path / "s" / f"{point}2", tmp_path / "s" / f"{point}1"
    assert (good / "results.json").is_file()
    # the end-of-sweep lines, as before
    assert ("1 run(s) of this sweep were refused (nothing was run there; fix the value and "
            "run the same command again):") in done.stdout  # fmt: skip
    assert f"train.epochs=1: {REFUSAL}" in done.stdout
    # nothing of the point ran: no data read ("plan: population ..."), no training, no lock
    log = (refused / "train.log").read_text()
    assert REFUSAL in log
    assert "plan: population" not in log and "training" not in log
    assert sorted(p.name for p in refused.iterdir()) == ["train.log"]
    # the model store holds the good point's entry only (its lock among it)
    store = tmp_path / "s" / ".model_store"
    assert len(list(store.glob("*.lock"))) == len(list(store.glob("*.pt"))) == 1


@pytest.mark.parametrize("overrides", [
    ("defense=early_stopping", "plan.reference_size=50", "train.epochs=1"),
    ("defense=mixup", "train.batch_size=1"),
    ("defense=weight_decay", "train.weight_decay=0.1"),
], ids=["stopping-1-epoch", "mixup-batch-1", "decay-twice"])  # fmt: skip
def test_run_refuses_a_stack_before_its_folder_is_made(make_cfg, tmp_path, overrides):
    """`run` (the pipeline without Hydra, as each job of a sweep builds it) made the folder and
    its .lock before the stack was refused."""
    from mia_defense.cli.build import run
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError):
        run(make_cfg(*overrides), tmp_path / "run")
    assert not (tmp_path / "run").exists()
