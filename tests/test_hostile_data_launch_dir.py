"""Hostile: with ``hydra.job.chdir=true`` a job runs in its run directory, and a relative
``dataset.path`` was looked for there: 'dataset 'npz': d.npz does not exist ... (a relative
path is read from the working directory, <run dir>)'. It is the launch directory's, as
mia-attack's relative paths are."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from mia_defense.data import load_npz
from mia_defense.errors import DataError


@pytest.fixture
def job_elsewhere(tmp_path, monkeypatch):
    launch, job = tmp_path / "launch", tmp_path / "run"
    launch.mkdir()
    job.mkdir()
    rng = np.random.default_rng(0)
    np.savez(launch / "d.npz", x=rng.normal(size=(30, 3)), y=np.arange(30) % 2)
    HydraConfig.instance().cfg = OmegaConf.create({"hydra": {"runtime": {"cwd": str(launch)}}})
    monkeypatch.chdir(job)
    try:
        yield launch
    finally:
        HydraConfig.instance().cfg = None


def test_a_relative_data_path_is_the_launch_directorys(job_elsewhere):
    data = load_npz(path="d.npz")
    assert data.source == str(job_elsewhere / "d.npz") and len(data.y) == 30


def test_a_missing_one_names_where_it_was_looked_for(job_elsewhere):
    with pytest.raises(DataError, match=rf"{job_elsewhere / 'e.npz'} does not exist"):
        load_npz(path="e.npz")


def test_outside_a_hydra_job_it_is_the_working_directorys(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", x=rng.normal(size=(30, 3)), y=np.arange(30) % 2)
    monkeypatch.chdir(tmp_path)
    assert load_npz(path="d.npz").source == "d.npz"
