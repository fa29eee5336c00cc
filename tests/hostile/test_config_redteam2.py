"""Hostile command lines and run directories, second round: a sweep's subdir that escapes
its directory, a second sweep into one directory, one bad point of a grid, ``_target_``
at a callable that is no dataset, model, defense, release or attack, and run directories
that are no run's. Each case checks that nothing finished changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.conftest import TINY as CONFTEST_TINY
from tests.helpers import FAST, mia_train, overridden

TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "progress=false",
        "figures=false", "attack.bootstrap=0", "attack.queries.num_augmented=0",
        "attack.white_box=false", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.slow  # several runs or a subprocess (1.5-3 s): make test-slow
def test_one_bad_point_of_a_grid_fails_alone_and_the_sweep_exits_2(tmp_path):
    # the ConfigError of train.lr=-1 stopped the whole sweep: train.lr=0.01 never ran
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "train.lr=-1,0.01", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    runs = {d.name.split("train.lr=")[1].split(",")[0]: d for d in sweep.glob("*train.lr=*")}
    assert (runs["0.01"] / "results.json").is_file()
    assert not (runs["-1"] / "results.json").exists()
    assert "ConfigError: train.lr=-1: must be a finite number > 0" in done.stderr
    refused = done.stdout.split("1 run(s) of this sweep were refused")[1]
    assert "train.lr=-1,~attack.attacks.shokri=null': ConfigError: train.lr=-1: must be " \
        "a finite number > 0" in refused


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (by relative path) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("subdir", ["../..", "a/../..", ".", "", "ABS"])
def test_a_sweep_subdir_outside_the_sweep_directory_is_refused_before_any_run(tmp_path, subdir):
    # hydra.sweep.subdir=../.. put the run (results.json, checkpoints, .lock) two levels up
    (tmp_path / "finished").mkdir()
    (tmp_path / "finished" / "results.json").write_text('{"status": "complete"}')
    before = tree(tmp_path)
    subdir = str(tmp_path / "elsewhere") if subdir == "ABS" else subdir
    sweep = tmp_path / "a" / "sweep"
    done = mia_train("-m", *TINY, "train.lr=0.01", f"hydra.sweep.dir={sweep}",
                     f"hydra.sweep.subdir={subdir}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: hydra.sweep.subdir={subdir} puts a run at " in done.stderr
    assert "outside the sweep directory" in done.stderr
    assert tree(tmp_path) == before  # nothing written anywhere, the sweep's folder included


def test_a_subdir_that_escapes_through_an_override_value_is_refused_per_job(tmp_path):
    # ${hydra.job.override_dirname} with +z=../../.. resolves only in the job: caught there
    # (z swept: a key the config lacks in every point, fixed, stops the sweep before)
    sweep = tmp_path / "a" / "b" / "sweep"
    done = mia_train("-m", "progress=false", "+z=../../..,x", f"hydra.sweep.dir={sweep}",
                     "hydra.sweep.subdir=${hydra.job.override_dirname}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: hydra.sweep.subdir=+z=../../.. puts a run at" in done.stderr
    assert not list(tmp_path.rglob("results.json")) and not list(tmp_path.rglob(".lock"))


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_directory_of_other_files_is_refused_as_run_or_sweep_directory(tmp_path, key):
    # hydra.run.dir=/ (or $HOME, a data folder) strewed results.json, .lock, checkpoints/,
    # tb/ and train.log among the user's files
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "data.csv").write_text("a,label\n1,0\n")
    (folder / "notes").mkdir()
    before = tree(tmp_path)
    multirun = ["-m"] if key == "hydra.sweep.dir" else []
    done = mia_train(*multirun, *TINY, f"{key}={folder}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"ConfigError: {key}={folder} holds files that are not mia-train's (data.csv, "
            f"notes); nothing was changed. Choose a new or empty directory for {key}"
            ) in done.stderr  # fmt: skip
    assert tree(tmp_path) == before and sorted(p.name for p in folder.iterdir()) == [
        "data.csv", "notes"]


def test_a_sweep_that_overrides_nothing_runs_in_a_folder_of_its_own(tmp_path):
    # with no swept key the run's folder name was empty: results.json, checkpoints and
    # .lock landed in the sweep directory itself, beside multirun.yaml
    sweep = tmp_path / "sweep"
    keys = ",".join(arg.split("=")[0].lstrip("~") for arg in TINY)
    done = mia_train("-m", *TINY, f"hydra.sweep.dir={sweep}",
                     f"hydra.job.config.override_dirname.exclude_keys=[{keys}]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (sweep / "defaults" / "results.json").is_file()
    assert not (sweep / "results.json").exists()


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_second_sweep_into_one_directory_keeps_the_first_sweeps_record(tmp_path):
    # Hydra wrote the second sweep's multirun.yaml over the first's: its record was lost.
    # (Points refused by the config check keep the sweeps quick; the record is written. Each
    # refused for its own swept value: one refused for a fixed value stops the sweep at once.)
    sweep = tmp_path / "sweep"

    def start(lr: str) -> None:
        done = mia_train("-m", *TINY, f"train.lr={lr},{lr}0", f"hydra.sweep.dir={sweep}",
                         cwd=tmp_path)  # fmt: skip
        assert done.returncode == 2 and "must be a finite number > 0" in done.stderr

    start("-1")
    first = (sweep / "multirun.yaml").read_text()
    start("-2")
    assert "train.lr=-2" in (sweep / "multirun.yaml").read_text()
    assert (sweep / "multirun.1.yaml").read_text() == first and "train.lr=-1" in first
    start("-2")  # the same sweep again (a resume): nothing more to keep
    assert sorted(p.name for p in sweep.glob("multirun*.yaml")) == [
        "multirun.1.yaml", "multirun.yaml"]


# -- _target_ at a callable that would run when the run builds it ---------------------------

FORBIDDEN = [
    (["dataset._target_=os.system", "+dataset.command=id"], "dataset._target_='os.system'"),
    (["release._target_=subprocess.run", "+release.args=id"],
     "release._target_='subprocess.run'"),
    (["attack.attacks.loss._target_=os.system"], "attack.attacks.loss._target_='os.system'"),
    (["+defense.x._target_=shutil.rmtree", "+defense.x.path=/x"],
     "defense.x._target_='shutil.rmtree'"),
    # an alias through a module of ours, Hydra's own instantiation, torch's file functions
    (["attack.attacks.loss._target_=mia_defense.cli.train.os.system"],
     "attack.attacks.loss._target_='mia_defense.cli.train.os.system'"),
    (["model._target_=hydra.utils.call", "+model.path=os.system"],
     "model._target_='hydra.utils.call'"),
    (["attack.attacks.loss._target_=torch.hub.load"],
     "attack.attacks.loss._target_='torch.hub.load'"),
    # nested: Hydra instantiates the arguments of a target too
    (["+model.activation={_target_:builtins.exec,_args_:[x]}"],
     "model.activation._target_='builtins.exec'"),
    (["+model.layers=[{_target_:shutil.rmtree,path:/x}]"],
     "model.layers[0]._target_='shutil.rmtree'"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "named"), FORBIDDEN, ids=[c[1] for c in FORBIDDEN])
def test_a_target_outside_the_allowed_places_is_refused(make_cfg, overrides, named):
    with pytest.raises(ConfigError) as caught:
        check_config(make_cfg(*overrides))
    assert f"{named}: not a dataset, model, defense, release, attack or optimiser; a " \
        "_target_ may not name the standard library" in str(caught.value)


def test_mia_train_refuses_os_system_before_anything_runs(tmp_path):
    flag = tmp_path / "ran"
    done = mia_train(*TINY, "attack.attacks.loss._target_=os.system",
                     f"+attack.attacks.loss.command='touch {flag}'",
                     f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "attack.attacks.loss._target_='os.system'" in done.stderr
    assert not flag.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("empty", ["range(0,0)", "range(5,1)"])
def test_a_sweep_of_no_points_is_refused(tmp_path, empty):
    # it ran nothing and exited 0, printing the sweep directory as if it had succeeded
    done = mia_train("-m", *TINY, f"train.lr={empty}", f"hydra.sweep.dir={tmp_path / 's'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert f"ConfigError: train.lr={empty}: the sweep has no value for train.lr" in done.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("override", "line"),
    [
        # 2**70 reached numpy as an object array: a TypeError traceback after training
        ("attack.attacks.rmia.gamma=1180591620717411303424",
         "attack.attacks.rmia.gamma=1180591620717411303424: must be a number in [1, 1000000]"),
        ("attack.attacks.rmia.seed=-1", "attack.attacks.rmia.seed=-1: must be an integer >= 0"),
        ("attack.attacks.shokri.seed=-1",
         "attack.attacks.shokri.seed=-1: must be an integer >= 0"),
    ],
)  # fmt: skip
def test_attack_settings_out_of_range_are_refused_before_training(make_cfg, override, line):
    with pytest.raises(ConfigError) as caught:
        check_config(make_cfg(override))
    assert str(caught.value).startswith(line)


def test_a_finished_run_of_another_config_is_refused_before_its_log_is_touched(
    fast_run, tmp_path
):
    # the task refused it, but only after Hydra had appended the new run's log lines to the
    # finished run's train.log
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run_dir)
    (run_dir / "train.log").write_text("the finished run's log\n")
    before = tree(run_dir)
    done = mia_train(*overridden(CONFTEST_TINY, *FAST, "train.lr=0.5"),
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {run_dir} holds a complete run of another config (" in done.stderr
    assert "train.lr: 0.01 -> 0.5" in done.stderr
    assert tree(run_dir) == before


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_quoted_tilde_in_the_run_directory_is_refused(tmp_path, key):
    # 'hydra.run.dir=~/runs' (quoted: the shell left the ~) made a folder named '~' here
    multirun = ["-m"] if key == "hydra.sweep.dir" else []
    done = mia_train(*multirun, *TINY, f"{key}='~/mia-runs/x'", cwd=tmp_path)
    assert done.returncode == 2
    assert f"ConfigError: {key}=~/mia-runs/x starts with '~', which the shell did not " \
        "expand" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_tilde_in_cache_dir_is_the_home_folder(monkeypatch, tmp_path):
    from mia_defense.cli.build import _cache_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    assert _cache_dir("~/models", run_dir=None) == tmp_path / "models"


@pytest.mark.parametrize(
    ("override", "name", "close"),
    [("defens=dp", "defens", "defense"), ("trian.lr=1", "trian", "train"),
     ("relase=topk", "relase", "release"), ("sed=3", "sed", "seed")],
)  # fmt: skip
def test_a_misspelt_group_or_key_is_named_with_the_closest(tmp_path, override, name, close):
    # Hydra said "Could not override 'defens'. To append to your config use +defens=dp"
    done = mia_train(override, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"ConfigError: {override}: no config group or key {name!r} "
                                  f"(Key {name!r} is not in struct); did you mean {close!r}?")
    assert "+" + override not in done.stderr and list(tmp_path.iterdir()) == []
