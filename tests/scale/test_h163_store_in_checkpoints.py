"""cache_dir pointed into a run's checkpoint folder (this run's, or another mia-train run's,
through a link or not) was taken as the model store: its entries lay among that run's
model checkpoints, and deleting the folder to retrain its models, as a refused resume says
to, deleted the store. Refused now, naming cache_dir, before the run's folder is touched."""

from __future__ import annotations

import os

import pytest

from mia_defense.cli.build import _refuse_store_in_checkpoints
from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from tests.helpers import FAST


@pytest.mark.parametrize("inside", ["checkpoints", "checkpoints_undefended/store"])
def test_a_store_in_this_runs_checkpoints_is_refused_before_the_run(make_cfg, tmp_path, inside):
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"cache_dir=.*: is or lies in this run's checkpoint "
                       r"folder .*set cache_dir=null"):
        run(make_cfg(*FAST, f"cache_dir={run_dir / inside}"), run_dir)
    assert not (run_dir / "checkpoints").exists()
    assert not (run_dir / "results.json").exists()


@pytest.mark.parametrize("mark", ["results.json", ".lock"])
def test_a_store_in_another_runs_checkpoints_is_refused_links_followed(tmp_path, mark):
    other = tmp_path / "other"
    (other / "checkpoints").mkdir(parents=True)
    (other / mark).write_text("{}")
    with pytest.raises(ConfigError, match=r"is or lies in a mia-train run's checkpoint folder"):
        _refuse_store_in_checkpoints(other / "checkpoints" / "store", run_dir=tmp_path / "run")
    os.symlink(other / "checkpoints", tmp_path / "models")
    with pytest.raises(ConfigError, match=r"cache_dir=.*models/store: is or lies in"):
        _refuse_store_in_checkpoints(tmp_path / "models" / "store", run_dir=None)


def test_a_users_folder_named_checkpoints_is_a_store_as_any(tmp_path):
    store = tmp_path / "project" / "checkpoints" / "store"  # no run beside it
    (tmp_path / "project" / "checkpoints").mkdir(parents=True)
    assert _refuse_store_in_checkpoints(store, run_dir=tmp_path / "run") == store
    assert _refuse_store_in_checkpoints(None, run_dir=tmp_path / "run") is None
