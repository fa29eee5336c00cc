"""Sweeps through the real entry points: one root, readable run directories, TensorBoard
hparams, `mia-report` on the result, resuming, presets, Optuna search and launchers."""

from __future__ import annotations

import csv
import importlib.util
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_module
from hydra.errors import MissingConfigException
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.plugins.hparams import plugin_data_pb2

from mia_defense.report import check_objective_names
from mia_defense.tracking import read_json
from tests.helpers import Done, built_once, mia_train

BIN = Path(sys.executable).parent
CONF = Path(__file__).resolve().parents[2] / "conf"
# figures=false: TensorBoard's figures are most of a tiny run (tests/tracking reads them)
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false"]
RUNS = ["plan.num_models=2,plan.population_size=200,train.epochs=1",
        "plan.num_models=2,plan.population_size=200,train.epochs=2"]  # fmt: skip


def _sweep(sweep_dir: Path, *extra: str) -> Done:
    """``mia-train -m`` (in this process: `tests.helpers.mia_train`) of two tiny runs."""
    done = mia_train("-m", *TINY, "train.epochs=1,2", *extra, f"hydra.sweep.dir={sweep_dir}",
                     cwd=sweep_dir.parent)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A real two-run multirun of tiny runs, shared by the tests below (read-only); what it
    printed is in stdout.txt beside it."""
    return built_once(tmp_path_factory, "cli_sweep", _first_sweep)


def _first_sweep(folder: Path) -> Path:
    (folder / "stdout.txt").write_text(_sweep(folder / "sweep").stdout)
    return folder / "sweep"


def test_a_sweep_ends_with_its_directory_and_the_commands_to_compare_it(sweep):
    tail = (sweep.parent / "stdout.txt").read_text().strip().splitlines()[-3:]
    # The tools are named by their path unless PATH already finds this venv's copy.
    on_path = shutil.which("tensorboard") == str(BIN / "tensorboard")
    tensorboard, report = ("tensorboard", "mia-report") if on_path else (
        shlex.quote(str(BIN / "tensorboard")), shlex.quote(str(BIN / "mia-report")))
    assert tail == [
        "sweep directory: sweep",
        f"compare runs:    {tensorboard} --logdir sweep",
        f"tradeoff report: {report} sweep",
    ]


def _hparams(run_dir: Path) -> dict[str, object]:
    """The hparams a run logged to TensorBoard (session start info)."""
    for events in (run_dir / "tb").glob("events.out.tfevents.*"):
        for event in EventFileLoader(str(events)).Load():
            for value in event.summary.value:
                if value.tag == "_hparams_/session_start_info":
                    data = plugin_data_pb2.HParamsPluginData.FromString(
                        value.metadata.plugin_data.content
                    )
                    return {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
                            for k, v in data.session_start_info.hparams.items()}  # fmt: skip
    return {}


def test_multirun_puts_every_run_under_one_root_named_after_its_overrides(sweep):
    # beside the runs, the sweep's model store (cache_dir=auto) and its HParams columns
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir()) == [
        ".model_store", *RUNS, "sweep_hparams"]
    for name, epochs in zip(RUNS, (1, 2), strict=True):
        run_dir = sweep / name
        assert read_json(run_dir / "results.json")["config"]["train"]["epochs"] == epochs
        assert list((run_dir / "tb").glob("events.out.tfevents.*"))
        hparams = _hparams(run_dir)
        assert hparams["train.epochs"] == epochs and hparams["plan.num_models"] == 2


def test_mia_report_table_equals_the_runs_results(sweep, tmp_path, capsys):
    from mia_defense.cli.report import main as report_main

    out = tmp_path / "report"
    assert report_main([str(sweep), "--out", str(out)]) == 0
    assert "2 runs reported, 0 skipped" in capsys.readouterr().out
    with (out / "tradeoff.csv").open() as handle:
        rows = {row["run"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(RUNS)
    for name, row in rows.items():
        payload = read_json(sweep / name / "results.json")
        assert float(row["test_accuracy"]) == payload["utility"]["test_accuracy"]
        assert float(row["generalization_gap"]) == payload["utility"]["generalization_gap"]
        for attack, metrics in payload["attacks"].items():
            for key in ("auc", "tpr@1%fpr", "tpr@0.1%fpr"):
                assert float(row[f"{attack}.{key}"]) == metrics[key]
        assert row["hyperparameters"] == f"train.epochs={payload['config']['train']['epochs']}"
    for png in ("tradeoff_tpr.png", "tradeoff_auc.png", "roc.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert "tradeoff_tpr.png" in (out / "README.md").read_text()
    assert list((out / "tb").glob("events.out.tfevents.*"))


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_resumed_sweep_reruns_only_the_unfinished_run(sweep, tmp_path):
    root = tmp_path / "sweep"
    shutil.copytree(sweep, root)
    done, redo = (root / name for name in RUNS)
    kept_mtime = (done / "results.json").stat().st_mtime_ns
    (redo / "results.json").unlink()
    (done / "checkpoints" / "model_0000.pt").unlink()  # would be retrained if not skipped
    completed = _sweep(root)
    assert f"skipping finished run {done}" in completed.stderr  # log lines go to stderr
    assert f"skipping finished run {redo}" not in completed.stderr
    assert (done / "results.json").stat().st_mtime_ns == kept_mtime
    assert not (done / "checkpoints" / "model_0000.pt").exists()
    assert read_json(redo / "results.json")["status"] == "complete"
    # the redone run reused its checkpoints and gave the same numbers as the original
    original = read_json(sweep / RUNS[1] / "results.json")
    assert read_json(redo / "results.json")["utility"] == original["utility"]


def test_report_is_not_stopped_by_a_corrupt_run(sweep, tmp_path, capsys):
    from mia_defense.cli.report import main as report_main

    root = tmp_path / "sweep"
    shutil.copytree(sweep, root)
    (root / RUNS[0] / "results.json").write_text('{"status": "comp')
    assert report_main([str(root), "--no-tensorboard", "--no-charts"]) == 0
    assert "1 run reported, 1 skipped" in capsys.readouterr().out
    summary = (root / "report" / "README.md").read_text()
    assert RUNS[0] in summary and "not valid JSON" in summary


def test_optuna_search_returns_both_objectives(optuna_sweep):
    """The two-trial search of tests/conftest.py (shared with test_new_user_nits)."""
    root = optuna_sweep
    solutions = yaml.safe_load((root / "optimization_results.yaml").read_text())["solutions"]
    runs = [read_json(p) for p in root.glob("*/results.json")]
    assert len(runs) == 2
    expected = {
        (r["utility"]["test_accuracy"],
         max(m["tpr@1%fpr"] for m in r["attacks"].values() if m["access"] != "weights"))
        for r in runs
    }
    assert solutions and all(tuple(s["values"]) in expected for s in solutions)


# -- configs compose without running anything ------------------------------------------


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_optuna_search_is_multi_objective_with_valid_objective_names():
    cfg = _compose("hparams_search=optuna_tradeoff")
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper")
    assert list(sweeper.direction) == ["maximize", "minimize"]
    assert len(cfg.objectives) == 2
    check_objective_names(list(cfg.objectives))
    assert set(sweeper.params) == {"train.weight_decay", "model.dropout", "train.epochs"}


def test_sweep_subdirectories_are_named_after_the_overrides():
    job = _compose().hydra
    assert OmegaConf.to_container(job.sweep)["subdir"] == (
        "${mia_safe_dirname:${hydra.job.override_dirname}}"
    )
    assert {"progress", "experiment"} <= set(job.job.config.override_dirname.exclude_keys)
    assert "seed" not in job.job.config.override_dirname.exclude_keys


@pytest.mark.parametrize(
    ("launcher", "plugin", "target"),
    [
        ("joblib", "hydra_plugins.hydra_joblib_launcher", "JoblibLauncher"),
        ("submitit_slurm", "hydra_plugins.hydra_submitit_launcher", "SlurmLauncher"),
        ("submitit_local", "hydra_plugins.hydra_submitit_launcher", "LocalLauncher"),
        ("ray", "hydra_plugins.hydra_ray_launcher", "RayLauncher"),
    ],
)
def test_launchers_compose_when_their_plugin_is_installed(launcher, plugin, target):
    text = (CONF / "launcher" / f"{launcher}.yaml").read_text()
    assert text.startswith("# @package _global_")
    assert {"override /hydra/launcher": launcher} in yaml.safe_load(text)["defaults"]
    if importlib.util.find_spec(plugin) is None:
        with pytest.raises(MissingConfigException, match=f"hydra/launcher.*{launcher}|{launcher}"):
            _compose(f"launcher={launcher}")
        pytest.skip(f"{plugin} is not installed (pip install 'mia-defense[{launcher}]')")
    cfg = _compose(f"launcher={launcher}")
    assert cfg.hydra.launcher._target_.endswith(target)
    if launcher == "submitit_slurm":
        assert cfg.hydra.launcher.max_num_timeout == 2
        assert cfg.hydra.launcher.submitit_folder == f"{cfg.hydra.sweep.dir}/.submitit/%j"


PRESETS = {
    "tradeoff_dp": {"defense.dp"},
    "tradeoff_regularisation": {"defense"},
    "tradeoff_release": {"release"},
    "tradeoff_all": {"defense", "release"},
}


def _options(value: str) -> list[str]:
    """Config names in a sweep value such as ``[],[dp],[mixup]`` or ``full,topk``."""
    return [name for name in re.split(r"[\[\],]+", value) if name]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_experiment_presets_compose_and_name_existing_options(preset):
    groups = {"defense", "release"}
    missing = [g for g in sorted(groups) if not (CONF / g).is_dir()]
    if missing:
        pytest.skip(f"config group(s) {missing} not in conf/ yet")
    cfg = _compose(f"+experiment={preset}")
    params = cfg.hydra.sweeper.params
    assert set(params) == PRESETS[preset]
    for key, value in params.items():
        if key in groups:
            for option in _options(str(value)):
                assert (CONF / key / f"{option}.yaml").exists(), f"{preset}: {key}={option}"
    if preset == "tradeoff_dp":
        # the sweep's values merge into defense.dp: ε = 0.5 ... 8, then no noise (ε = ∞)
        values = re.findall(r"\{([^}]*)\}", str(params["defense.dp"]))
        assert values[:-1] == [f"target_epsilon:{e}" for e in ("0.5", "1", "2", "4", "8")]
        assert values[-1] == "target_epsilon:null,noise_multiplier:0"
        assert list(cfg.defense) == ["dp"]


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_diverged_point_does_not_stop_the_sweep_which_then_exits_2(tmp_path):
    # a sweep over learning rates used to stop at the first one that diverged: the points
    # after it never ran
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "train.epochs=1", "train.lr=1e30,0.01", "attack.bootstrap=0",
                     "~attack.attacks.shokri", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    statuses = {d.name.split("train.lr=")[1].split(",")[0]: read_json(d / "results.json")["status"]
                for d in sweep.iterdir() if (d / "results.json").exists()}  # fmt: skip
    assert statuses == {"1e+30": "diverged", "0.01": "complete"}
    assert "1 run(s) of this sweep diverged" in done.stdout
    assert "train.lr=1e+30" in done.stdout.split("1 run(s) of this sweep diverged")[1]
    assert "DivergedError: training diverged" in done.stderr
    # a sweep where every point finishes exits 0, in the same process
    _sweep(tmp_path / "fine", "attack.bootstrap=0", "~attack.attacks.shokri")


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_diverged_trial_fails_in_optuna_and_the_search_goes_on(tmp_path):
    sweep = tmp_path / "search"
    done = mia_train("-m", "hparams_search=optuna_custom", *TINY, "train.epochs=1",
                     "attack.bootstrap=0", "~attack.attacks.shokri", "hydra.sweeper.n_trials=4",
                     '+hydra.sweeper.params={train.lr: "choice(1e30, 0.01)"}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    statuses = [read_json(p)["status"] for p in sweep.glob("*/results.json")]
    assert sorted(set(statuses)) == ["complete", "diverged"]
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    # only the finished trials are solutions; the search space was the one given, alone
    assert results["solutions"] and all(
        s["params"] == {"train.lr": 0.01} for s in results["solutions"]
    )


def test_an_optuna_search_with_nothing_to_search_is_refused(tmp_path):
    done = mia_train("-m", "hparams_search=optuna_custom", *TINY,
                     f"hydra.sweep.dir={tmp_path / 'search'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "ConfigError: hydra.sweeper.params is empty" in done.stderr
    assert not (tmp_path / "search").exists()
