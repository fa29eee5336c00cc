"""``cache_dir=<a finished run's folder>`` (a typo) wrote the model store's .pt, .json and
.lock files among that run's own files, and ``cache_dir`` equal to ``hydra.run.dir`` wrote
them among this run's. Refused now, naming cache_dir, before anything is written there."""

from __future__ import annotations

import os
import shutil

import pytest

from mia_defense.cli.build import _refuse_store_in_a_run
from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from tests.helpers import FAST


@pytest.mark.parametrize("inside", ["", "store"])
def test_a_store_in_a_finished_runs_folder_is_refused(make_cfg, fast_run, tmp_path, inside):
    finished = tmp_path / "finished"
    shutil.copytree(fast_run.run_dir, finished)
    before = sorted(os.listdir(finished))
    with pytest.raises(ConfigError, match=r"cache_dir=.*: is or lies in the run folder .*"
                       r"finished, where the model store's files .*set cache_dir=null"):
        run(make_cfg(*FAST, f"cache_dir={finished / inside}"), tmp_path / "run")
    assert sorted(os.listdir(finished)) == before
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize("inside", ["", "store"])
def test_a_store_in_this_runs_folder_is_refused(make_cfg, tmp_path, inside):
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"cache_dir=.*: is or lies in this run's folder"):
        run(make_cfg(*FAST, f"cache_dir={run_dir / inside}"), run_dir)
    assert not (run_dir / "checkpoints").exists()
    assert not (run_dir / "results.json").exists()


def test_a_hydra_folder_marks_a_run_links_followed(tmp_path):
    (tmp_path / "other" / ".hydra").mkdir(parents=True)  # (started, no results.json yet)
    os.symlink(tmp_path / "other", tmp_path / "link")
    with pytest.raises(ConfigError, match=r"cache_dir=.*link/store: is or lies in the run"):
        _refuse_store_in_a_run(tmp_path / "link" / "store", run_dir=tmp_path / "run")


def test_a_store_beside_runs_is_a_store(tmp_path):
    (tmp_path / "sweep" / "0" / ".hydra").mkdir(parents=True)
    store = tmp_path / "sweep" / ".model_store"  # (cache_dir=auto's)
    assert _refuse_store_in_a_run(store, run_dir=tmp_path / "sweep" / "0") == store
    assert _refuse_store_in_a_run(None, run_dir=tmp_path / "run") is None
