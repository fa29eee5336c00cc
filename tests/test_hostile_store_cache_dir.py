"""Hostile: a relative ``cache_dir`` is the launch directory's. With
``hydra.job.chdir=true`` (or a launcher worker started elsewhere) each job of a sweep
resolved it against its own working directory: one store per job, inside its run folder,
and no job reused another's models."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from mia_defense.cli.build import _cache_dir


@pytest.fixture
def launched_in(tmp_path, monkeypatch):
    launch, job = tmp_path / "launch", tmp_path / "sweep" / "job"
    launch.mkdir()
    job.mkdir(parents=True)
    HydraConfig.instance().cfg = OmegaConf.create({"hydra": {"runtime": {"cwd": str(launch)}}})
    monkeypatch.chdir(job)  # where hydra.job.chdir=true puts the job
    try:
        yield launch
    finally:
        HydraConfig.instance().cfg = None


def test_a_relative_cache_dir_is_the_launch_directorys(launched_in):
    assert _cache_dir("store", run_dir=None) == launched_in / "store"
    assert _cache_dir("a/../b", run_dir=None) == launched_in / "a/../b"
    assert _cache_dir("/abs/store", run_dir=None) == Path("/abs/store")


def test_outside_hydra_it_is_the_working_directorys_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _cache_dir("store", run_dir=None) == tmp_path / "store"
