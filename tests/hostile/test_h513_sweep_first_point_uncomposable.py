"""A grid sweep whose first point Hydra cannot compose made its folder and ended at its
first job, having run nothing: ``mia-train -m "train.<300 x>=1,2"`` (a key too long for a
file name: hydra_guard's refusal as the point is composed, which the sweep's up-front grid
check read as the point's own refusal and let go) and ``-m ~train.lr=0.5,0.001`` (the first
point's 'Could not delete', whatever the second's). The grid check now refuses such a sweep
once, before any folder, in the words a single run of that point says."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.helpers import mia_attack, mia_train, refused_before_run_dir

LONG = "x" * 300
TINY = ("plan.num_models=4", "train.epochs=1", "progress=false", "figures=false")


def _refused_once(done, tmp_path: Path) -> str:
    """The one refusal line of ``done``, a sweep started in ``tmp_path`` that must have
    made nothing there (its default folder: multirun/<date>/<time>)."""
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == [], done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


def test_a_swept_key_too_long_for_a_file_name_is_refused_before_the_sweeps_folder(
        tmp_path: Path):
    single = refused_before_run_dir(f"train.{LONG}=1", cwd=tmp_path).strip().splitlines()[-1]
    (tmp_path / "single").mkdir()
    line = _refused_once(mia_train("-m", *TINY, f"train.{LONG}=1,2", cwd=tmp_path / "single"),
                         tmp_path / "single")  # fmt: skip
    assert line == single  # (the single run's words: hydra_guard's, not a copy)
    assert f"a key of {len('train.' + LONG)} characters, which no config has" in line
    assert LONG not in line


def test_a_first_point_hydra_cannot_compose_is_refused_whatever_the_others(tmp_path: Path):
    line = _refused_once(mia_train("-m", *TINY, "~train.lr=0.5,0.001", cwd=tmp_path), tmp_path)
    assert "Could not delete from config. The value of 'train.lr' is 0.001 and not 0.5" in line


def test_every_point_refused_as_composed_is_refused_once(tmp_path: Path):
    line = _refused_once(mia_train("-m", *TINY, "~train.lr=0.5,0.6", cwd=tmp_path), tmp_path)
    assert "not 0.5" in line


def test_mia_attack_sweep_of_a_key_too_long_says_the_single_runs_words(tmp_path: Path):
    # (it was refused before its folder, as 'every point of this sweep would be refused so
    # (2 of 2; the first: attack.<300 x>=1 ...)', the key whole)
    single = mia_attack("o.npz", f"attack.{LONG}=1", "hydra.run.dir=out", cwd=tmp_path)
    said = [line for line in single.stderr.splitlines() if line.startswith("ConfigError: ")]
    assert single.returncode == 2 and len(said) == 1, single.stderr[-2000:]
    (tmp_path / "sweep").mkdir()
    line = _refused_once(mia_attack("o.npz", "-m", f"attack.{LONG}=1,2", cwd=tmp_path / "sweep"),
                         tmp_path / "sweep")  # fmt: skip
    assert line == said[0] and LONG not in line


def test_a_grid_whose_first_point_composes_passes_the_check(caplog):
    # (a group's key that a later point lacks: the first point runs; Hydra says the other's)
    from hydra import compose, initialize_config_module
    from omegaconf import open_dict

    from mia_defense.cli.grid_check import refuse_sweep_refused_at_every_point

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(TINY), return_hydra_config=True)
        with open_dict(config):
            config.hydra.overrides.task = [*config.hydra.overrides.task, "defense=dp,none",
                                           "defense.dp.noise_multiplier=0.5",
                                           "defense.dp.target_epsilon=null"]  # fmt: skip
        with caplog.at_level(logging.ERROR):
            refuse_sweep_refused_at_every_point(config)  # (a refusal raises SystemExit)
    assert not caplog.records


def test_a_group_key_the_first_point_lacks_is_refused_in_hydras_words(caplog):
    # (mia-train refuses it before, in words of its own; the grid check's own call)
    from hydra import compose, initialize_config_module
    from omegaconf import open_dict

    from mia_defense.cli.grid_check import refuse_sweep_refused_at_every_point

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(TINY), return_hydra_config=True)
        with open_dict(config):
            config.hydra.overrides.task = [*config.hydra.overrides.task, "defense=none,dp",
                                           "defense.dp.noise_multiplier=0.5"]  # fmt: skip
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
            refuse_sweep_refused_at_every_point(config)
    assert exc.value.code == 2
    assert [r.getMessage()[:42] for r in caplog.records] == [
        "ConfigError: Could not override 'defense.d"]
