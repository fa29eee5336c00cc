"""Red team 7: launching mia-train. Launchers that cannot run here, values the config checks
left to the model builder, bad values refused fast, a log that cannot be written, and
overrides that would silently do nothing."""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path

import pytest

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train, overridden


def _commands(folder: Path, **scripts: str) -> Path:
    """A folder of executable shell scripts ``name: body``, for PATH."""
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize("select", ["launcher=submitit_slurm", "hydra/launcher=submitit_slurm"])
def test_a_slurm_sweep_without_slurm_is_one_line(tmp_path, monkeypatch, select):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    monkeypatch.setenv("PATH", str(_commands(tmp_path / "bin")))  # no sbatch, no srun
    done = mia_train("-m", *TINY, select, "seed=1,2", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "launcher=submitit_slurm" in done.stderr and "'sbatch'" in done.stderr
    assert "launcher=submitit_local" in done.stderr and "nothing was run" in done.stderr
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_slurm_sweep_that_sbatch_refuses_is_one_line(tmp_path, monkeypatch):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    fail = "echo 'sbatch: fatal: Could not establish a configuration source' >&2; exit 1"
    monkeypatch.setenv("PATH", str(_commands(tmp_path / "bin", sbatch=fail, srun="exit 0")))
    done = mia_train("-m", *TINY, "launcher=submitit_slurm", "seed=1,2",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "ConfigError: launcher=submitit_slurm: sbatch refused the sweep's jobs (sbatch: " \
        "fatal: Could not establish a configuration source); no run was submitted" in done.stderr
    assert not list((tmp_path / "sweep").glob("*/results.json"))


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        (["model.hidden=[0]"], "model.hidden=[0]: every width must be an integer >= 1, not 0"),
        (["model.hidden=[64,-3]"], "model.hidden=[64, -3]: every width must be an integer >= 1"),
        (["model.dropout=1"], "model.dropout=1: must lie in [0, 1)"),
        (["model.activation=relux"], "model.activation='relux': unexpected activation"),
        (["model=cnn", "model.channels=[16,0]"], "model.channels=[16, 0]: every width must be"),
        (["model=cnn", "model.channels=[]"], "model.channels is empty"),
        (["model=cnn", "model.hidden=0"], "model.hidden=0: every width must be an integer >= 1"),
        (["model=cnn", "model.groups=0"], "model.groups=0: must be an integer >= 1"),
        (["model=resnet", "model.depth=7"], "model.depth=7: must be 6n+2 or 6n+4"),
        (["model=resnet", "model.widen_factor=0"], "model.widen_factor=0: must be an integer"),
    ],
)
def test_a_bad_model_setting_is_refused_by_the_config_check(overrides, said):
    """Before the data are loaded (the model is built after them): the builder's message."""
    from mia_defense.config import check_config
    from mia_defense.errors import ConfigError
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigError) as caught:
        check_config(compose_cfg(*overrides))
    assert said in str(caught.value)


@pytest.mark.parametrize("model", ["mlp", "logistic", "cnn", "resnet", "wide_resnet"])
def test_the_packaged_models_pass_the_config_check(model):
    """(The images the convolutional ones need are checked when the data are loaded.)"""
    from mia_defense.config import check_config
    from tests.conftest import compose_cfg

    check_config(compose_cfg(f"model={model}"))


def test_a_zero_width_leaves_no_run_directory(tmp_path):
    done = mia_train(*TINY, "model.hidden=[0]", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2
    assert "ConfigError: model.hidden=[0]: every width must be an integer >= 1" in done.stderr
    assert not (tmp_path / "run").exists()


def _located(monkeypatch) -> list[str]:
    """The ``_target_`` names the config check imports from now on."""
    import mia_defense.config as config
    import mia_defense.config_fits as config_fits
    import mia_defense.targets as targets

    names: list[str] = []

    def locate(name, real=config._locate):
        names.append(name)
        return real(name)

    monkeypatch.setattr(config, "_locate", locate)
    monkeypatch.setattr(config_fits, "_locate", locate)
    monkeypatch.setattr(targets, "_locate", locate)
    return names


@pytest.mark.parametrize("bad", ["train.lr=abc", "train.epochs=-1", "seed=1.5"])
def test_a_plain_bad_value_is_refused_before_the_dataset_module_is_imported(monkeypatch, bad):
    """Locating the dataset's target imports sklearn (seconds); a bad number need not wait."""
    from mia_defense.config import check_config
    from mia_defense.errors import ConfigError
    from tests.conftest import compose_cfg

    cfg = compose_cfg(bad)
    located = _located(monkeypatch)
    with pytest.raises(ConfigError, match=bad.split("=")[0]):
        check_config(cfg)
    assert cfg.dataset._target_ not in located


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        (["+dataset.bogus=1"], "dataset.bogus=1: unknown key 'bogus'"),
        (["dataset._target_=os.system"], "dataset._target_='os.system': not a dataset"),
        (["+dataset.hook={_target_: os.system}"], "dataset.hook._target_='os.system': not a"),
        (["dataset._target_=no.such.module"], "dataset._target_='no.such.module': cannot import"),
    ],
)
def test_the_dataset_node_is_checked_once_the_rest_passes(overrides, said):
    from mia_defense.config import check_config
    from mia_defense.errors import ConfigError
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigError, match=said.replace("(", r"\(").replace("[", r"\[")):
        check_config(compose_cfg(*overrides))


def test_a_forbidden_target_elsewhere_is_refused_with_the_plain_problems():
    from mia_defense.config import check_config
    from mia_defense.errors import ConfigError
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigError) as caught:
        check_config(compose_cfg("train.lr=abc", "model._target_=shutil.rmtree"))
    assert "model._target_='shutil.rmtree': not a dataset" in str(caught.value)
    assert "train.lr='abc'" in str(caught.value)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_log_file_on_a_full_disk_is_said_once_and_the_run_does_not_end_as_a_success(tmp_path):
    full = "hydra.job_logging.handlers.file.filename=/dev/full"
    done = mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", full, cwd=tmp_path)
    assert done.returncode == 2
    assert "Logging error" not in done.stderr and "Traceback" not in done.stderr
    said = "DataError: cannot write the log file /dev/full (No space left on device)"
    assert done.stderr.count(said) == 1
    assert "the log file(s) /dev/full could not be written" in done.stderr
    assert (tmp_path / "run" / "results.json").is_file()  # the run itself is kept


@pytest.mark.parametrize("where", ["missing/x.log", "folder"])
def test_a_log_file_that_cannot_be_opened_is_refused_before_the_run(tmp_path, where):
    (tmp_path / "folder").mkdir()
    path = tmp_path / where
    done = mia_train(*TINY, "hydra.run.dir=run",
                     f"hydra.job_logging.handlers.file.filename={path}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"DataError: hydra.job_logging.handlers.file.filename={path}: cannot write a log " \
        "file there" in done.stderr
    assert not (tmp_path / "run").exists()


def _run_folder(root: Path, name: str, log: str, results: bool = False) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "train.log").write_text(log)
    if results:
        (folder / "results.json").write_text("{}")
    return folder


def test_points_refused_in_other_processes_are_found_in_their_logs(tmp_path):
    """joblib, submitit and Ray run the points elsewhere: only their train.log is left."""
    from mia_defense.cli.run_records import log_sizes, refused_since, results_identities
    from mia_defense.files import run_files

    error = "[2026-12-02 05:28:42,386][mia_defense.cli.train][ERROR] - ConfigError: train.lr=-1\n"
    old = _run_folder(tmp_path, "old", "[..][INFO] - done\n", results=True)
    skipped = _run_folder(tmp_path, "skipped", error, results=True)  # refused once, then ran
    _run_folder(tmp_path, "earlier_refused", error)  # not part of this sweep
    stale = _run_folder(tmp_path, "other_config", "", results=True)  # another config's run
    quiet = _run_folder(tmp_path, "skipped_quietly", "", results=True)
    sizes, before = log_sizes(run_files(tmp_path, "train.log")), results_identities(
        run_files(tmp_path))
    with (skipped / "train.log").open("a") as handle:
        handle.write("[..][INFO] - skipping finished run x (complete results.json, same config)\n")
    refused = _run_folder(tmp_path, "refused", error)
    with (stale / "train.log").open("a") as handle:
        handle.write(error)
    with (old / "train.log").open("a") as handle:  # ran again now: a new results.json
        handle.write("[..][INFO] - done again\n")
    (old / "results.json").rename(old / "results.old")  # (written as a new file, atomically)
    (old / "results.json").write_text("{}")
    with (quiet / "train.log").open("a") as handle:  # logging at WARNING: no skip line
        handle.write("[..][WARNING] - no privacy verdict for this run\n")
    found = refused_since(run_files(tmp_path, "train.log"), before, sizes)
    assert found == [(stale, "ConfigError: train.lr=-1"), (refused, "ConfigError: train.lr=-1")]


@pytest.mark.slow
def test_a_joblib_sweep_with_a_refused_point_exits_2(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, "launcher=joblib", "train.lr=0.01,-1",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "1 run(s) of this sweep were refused" in done.stdout
    assert "ConfigError: train.lr=-1: must be a finite number > 0" in done.stdout


@pytest.mark.parametrize("swept", ["figures=true,false", "train.device=cpu,auto",
                                   "progress=true,false", "cache_dir=a,b"])  # fmt: skip
def test_a_sweep_over_a_key_left_out_of_the_folder_names_is_refused(tmp_path, swept):
    # its runs shared one folder: the first ran, the others were skipped as that run
    done = mia_train("-m", *TINY, "seed=3", swept, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    key = swept.split("=")[0]
    assert f"ConfigError: {swept}: the run folders' names leave {key} out" in done.stderr
    assert "nothing was run" in done.stderr and not (tmp_path / "sweep").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_results_table_that_stdout_cannot_take_is_a_data_error(tmp_path, monkeypatch):
    # mia-train > /dev/full: a traceback (exit 1) after the run was complete
    from mia_defense.cli.train import _print_summary
    from mia_defense.errors import DataError

    full = open("/dev/full", "w")  # (closed below: closing fails too, on what it holds)
    monkeypatch.setattr("sys.stdout", full)
    try:
        with pytest.raises(DataError, match=r"cannot write the results table to stdout \(No "
                           r"space left on device\); the run is complete: its results are in"):
            _print_summary(tmp_path, ["attack  AUC", "loss    0.5"])
    finally:
        monkeypatch.undo()
        with contextlib.suppress(OSError):
            full.close()


@pytest.mark.parametrize(
    ("selected", "named"),
    [
        ("launcher=submitit_slurm", "launcher=submitit_slurm"),
        ("hydra/launcher=joblib", "hydra/launcher=joblib"),
        ("hparams_search=optuna_tradeoff", "hparams_search=optuna_tradeoff"),
        ("+experiment=tradeoff_release", "+experiment=tradeoff_release (its hydra.sweeper.params)"),
    ],
)
def test_a_sweep_setting_in_a_single_run_is_refused(tmp_path, selected, named):
    # without -m Hydra leaves them unused: one run of the defaults went ahead, here
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    done = mia_train(*TINY, selected, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"ConfigError: {named}: what a sweep runs with, unused by a single run" in done.stderr
    assert "Add -m" in done.stderr and not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("added", "said"),
    [
        ("+hydra.run.dri=elsewhere", "did you mean hydra.run.dir?"),
        ("++hydra.job.chdri=true", "did you mean hydra.job.chdir?"),
        ("+hydra.sweep.subdri=x", "did you mean hydra.sweep.subdir?"),
    ],
)
def test_an_added_hydra_setting_that_hydra_never_reads_is_refused(tmp_path, added, said):
    # +hydra.run.dri=elsewhere was added and ignored: the run went to outputs/<date>/...
    done = mia_train(*TINY, added, cwd=tmp_path)
    assert done.returncode == 2
    key = added.lstrip("+").split("=")[0]
    assert f"ConfigError: {added}: Hydra has no setting {key}" in done.stderr
    assert said in done.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("added", ["+hydra.job.env_set.MIA_X=1", "+hydra.launcher.x=1",
                                   "++hydra.run.dir=run", "+hydra.sweeper.params={seed: 1}"])
def test_hydra_settings_of_any_key_are_left_to_hydra(added):
    from mia_defense.cli.arguments import unknown_hydra_key

    assert unknown_hydra_key([added]) is None


@pytest.mark.parametrize(
    ("added", "said"),
    [
        ("+defense.dp.noise_multiplier=1", "the defense 'dp' is not selected: add it with "
                                           "defense=dp"),
        ("+attack.attacks.rmai.gamma=2", "no attack.attacks.rmai is defined (did you mean "
                                         "'rmia'?)"),
        ("+attack.attacks.lira.online=true", "(did you mean 'lira_online' or 'lira_offline'"),
    ],
)  # fmt: skip
def test_a_setting_added_under_a_name_that_is_not_there_says_which_was_meant(added, said):
    from mia_defense.config import check_config
    from mia_defense.errors import ConfigError
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigError) as caught:
        check_config(compose_cfg(added))
    assert "must be a mapping with a _target_" in str(caught.value)
    assert said in str(caught.value)


@pytest.mark.parametrize("select", ["launcher=ray", "hydra/launcher=ray"])
def test_a_launcher_whose_plugin_is_not_installed_says_how_to_install_it(tmp_path, select):
    # Hydra said "Could not find 'hydra/launcher/ray'" and listed the other launchers
    from importlib.util import find_spec

    if find_spec("hydra_plugins.hydra_ray_launcher") is not None:
        pytest.skip("the Ray launcher is installed here")
    done = mia_train("-m", *TINY, select, "seed=1,2", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2
    assert f"ConfigError: {select}: its Hydra plugin is not installed; install it (make " \
        "install-ray, or pip install \"mia-defense[ray]\")" in done.stderr
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("flags", [["-m", "--cfg", "job"], ["--info", "--cfg=job"],
                                   ["-r", "-m"]])  # fmt: skip
def test_two_of_hydras_commands_at_once_are_one_line(tmp_path, flags):
    # Hydra stopped with a ValueError traceback (exit 1)
    done = mia_train(*flags, *TINY, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "mia-train takes one of --run (-r), --multirun (-m), --cfg (-c)" in done.stderr


@pytest.mark.parametrize("swept", ["seed=4,4", "train.lr=0.01,0.02,0.01"])
def test_a_sweep_value_given_twice_is_refused(tmp_path, swept):
    # both points had one folder: the second was skipped as the first (or, with joblib,
    # refused as a directory in use)
    done = mia_train("-m", *TINY, swept, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"ConfigError: {swept}: gives" in done.stderr and "more than once" in done.stderr
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (["+hydra.launcher.n_jobs=2"], "hydra.launcher.n_jobs: the basic launcher "
         "(hydra/launcher=basic) has no such setting, so it would never be read; nothing was "
         "run. Select the launcher that has it (launcher=joblib"),
        (["launcher=joblib", "+hydra.launcher.n_job=2"], "hydra.launcher.n_job: the joblib "
         "launcher (hydra/launcher=joblib) has no such setting, so it would never be read; "
         "nothing was run. Did you mean hydra.launcher.n_jobs?"),
    ],
)  # fmt: skip
def test_a_launcher_setting_the_launcher_does_not_have_is_refused(tmp_path, settings, said):
    # +hydra.launcher.n_jobs=2 without launcher=joblib: the runs ran one by one, as before
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    done = mia_train("-m", *TINY, *settings, "seed=1,2", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"ConfigError: {said}" in done.stderr and not (tmp_path / "sweep").exists()


def test_an_objective_at_an_fpr_the_attacks_do_not_measure_is_refused_before_training(tmp_path):
    # found only once every model was trained: results.json holds tpr@1%fpr, not tpr@0.5%fpr
    done = mia_train(*TINY, "+objectives=[max_attack.tpr@0.5%fpr]", "hydra.run.dir=run",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "'max_attack.tpr@0.5%fpr' is no TPR results.json" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run" / "results.json").exists()
    assert "epoch" not in done.stderr.lower()  # no model trained


@pytest.mark.parametrize("subdir", ["..", "../elsewhere", "ABSOLUTE"])
def test_hydra_config_copies_outside_the_run_are_refused(tmp_path, subdir):
    # hydra.output_subdir=.. wrote config.yaml, hydra.yaml and overrides.yaml beside the run:
    # over the user's own config.yaml in the launch folder
    subdir = str(tmp_path / "abs") if subdir == "ABSOLUTE" else subdir
    mine = tmp_path / "config.yaml"
    mine.write_text("mine: 1\n")
    done = mia_train(*TINY, f"hydra.output_subdir={subdir}", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"hydra.output_subdir={subdir} puts Hydra's config.yaml" in done.stderr
    assert mine.read_text() == "mine: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_hydra_config_copies_outside_a_sweeps_jobs_are_refused(tmp_path):
    done = mia_train("-m", *TINY, "hydra.output_subdir=../..", "seed=1,2",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "hydra.output_subdir=../.. puts Hydra's config.yaml" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_hydra_config_copies_inside_the_run_are_kept(tmp_path):
    tiny = overridden(TINY, *LEAN_ATTACKS, "plan.num_models=2", "train.epochs=1")  # a run ends
    done = mia_train(*tiny, "hydra.output_subdir=.hydra", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "run" / ".hydra" / "config.yaml").is_file()


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
@pytest.mark.parametrize("inner", ["run/tb/inner", "run/checkpoints/x/y"])
def test_a_run_inside_another_run_is_refused(tmp_path, inner):
    # hydra.run.dir=<run>/tb/inner: the outer run's TensorBoard showed the inner run's events
    assert mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path).returncode == 0
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    done = mia_train(*TINY, *LEAN_ATTACKS, f"hydra.run.dir={inner}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"hydra.run.dir={inner} lies inside the run directory" in done.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    sweep = mia_train("-m", *TINY, "seed=1,2", "hydra.sweep.dir=run/tb/sweep", cwd=tmp_path)
    assert sweep.returncode == 2 and "lies inside the run directory" in sweep.stderr


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_finished_run_with_an_edited_results_json_is_refused_on_resume(tmp_path):
    # "attacks": "x" in a finished run's results.json: an AttributeError traceback on resume
    import json

    assert mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path).returncode == 0
    results = tmp_path / "run" / "results.json"
    payload = json.loads(results.read_text())
    results.write_text(json.dumps({**payload, "attacks": "x"}))
    edited = results.read_bytes()
    done = mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "results.json: attacks is" in done.stderr
    assert results.read_bytes() == edited
