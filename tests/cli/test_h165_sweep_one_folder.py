"""A ``hydra.sweep.subdir`` that names one folder for every run of a sweep
(``hydra.sweep.subdir=run``, ``r${now:%H}``): the first run trained there and each later one
was refused on it as a run of another config, after the first had trained. Now refused
before anything runs; a subdir that differs per run, or a sweep of one run, is not (h165)."""

from __future__ import annotations

import pytest

from tests.helpers import FAST, mia_train

TINY = ("plan.num_models=2", "plan.population_size=200", "progress=false", *FAST)


@pytest.mark.parametrize("subdir", ["run", "r${now:%H}", "${oc.env:HOME}"])
def test_one_folder_for_every_run_is_refused_before_anything_runs(tmp_path, subdir):
    done = mia_train("-m", "seed=1,2", *TINY, "hydra.sweep.dir=s", f"hydra.sweep.subdir={subdir}",
                     cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert (f"ConfigError: hydra.sweep.subdir={subdir}: one folder for every run of this sweep "
            "(2 runs;") in said  # fmt: skip
    assert "e.g. 'hydra.sweep.subdir=run_${hydra.job.num}'" in said
    assert not (tmp_path / "s").exists()


def test_a_sweep_of_one_run_may_name_its_folder(tmp_path):
    done = mia_train("-m", "seed=1", *TINY, "hydra.sweep.dir=s", "hydra.sweep.subdir=one",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "s" / "one" / "results.json").is_file()


def test_a_subdir_of_settings_no_point_changes_is_refused(tmp_path):
    done = mia_train("-m", "seed=1,2", *TINY, "hydra.sweep.dir=s",
                     "hydra.sweep.subdir=x${train.lr}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "ConfigError: hydra.sweep.subdir=x${train.lr}: one folder for every run" in \
        done.stderr  # fmt: skip
    assert not (tmp_path / "s").exists()


def test_a_subdir_leaving_a_swept_key_out_is_refused(tmp_path):
    done = mia_train("-m", "seed=1,2", "defense=[],[dropout]", *TINY, "hydra.sweep.dir=s",
                     "hydra.sweep.subdir=x${seed}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert ("ConfigError: hydra.sweep.subdir=x${seed} leaves out defense, which this sweep "
            "varies") in done.stderr  # fmt: skip
    assert not (tmp_path / "s").exists()


def test_a_subdir_naming_every_swept_key_runs(tmp_path):
    done = mia_train("-m", "seed=1,2", *TINY, "hydra.sweep.dir=s", "hydra.sweep.subdir=x${seed}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.parent.name for p in (tmp_path / "s").glob("*/results.json")) == ["x1", "x2"]
