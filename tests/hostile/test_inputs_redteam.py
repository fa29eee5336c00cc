"""Red-team cases (2026-12-01) where thinner coverage let a hostile input through: each was a
Python traceback, a file overwritten or a run wasted, and is now one clear error naming the
key or path and the fix, with nothing on disk changed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from mia_defense import api
from mia_defense.cli import attack as attack_cli
from mia_defense.cli import build as build_module
from mia_defense.cli.arguments import null_group_override
from mia_defense.cli.build import build_experiment
from mia_defense.cli.build import run as build_run
from mia_defense.cli.entry import run_entry
from mia_defense.cli.report import main as report_main
from mia_defense.config import check_config
from mia_defense.constraints import hydra_quoted
from mia_defense.data import load_csv
from mia_defense.defenses import TrainingDefense, accounting
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import load_npz
from mia_defense.observations import OBSERVATIONS_VERSION, Observations
from mia_defense.report import build as report_build
from mia_defense.report import write_report
from mia_defense.tracking import SCHEMA_VERSION
from mia_defense.tracking.artifacts import json_depth
from mia_defense.tracking.run_dir import finished_run
from mia_defense.training.checkpoints import load_checkpoint
from mia_defense.training.config import TrainConfig
from tests.helpers import (
    LEAN_ATTACKS,
    Done,
    mia_attack,
    mia_train,
    synthetic_observations,
    within,
)
from tests.report.fake_runs import two_run_sweep


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes (to show nothing changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _attack_cfg(source: Path, *overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(source))}", "progress=false", *overrides])


@pytest.fixture
def observations_file(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "mine.npz"
    path.parent.mkdir()
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(path)
    return path


# -- mia-attack: the attack config --------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("attack.fprs=0.01", r"attack.fprs=0.01: must be a non-empty list of numbers in \(0, 1\)"),
        ("attack.fprs=[abc]", r"attack.fprs=\['abc'\]: must be a non-empty list of numbers"),
        ("attack.fprs=[${oops}]", r"attack.fprs: cannot resolve its value \(Interpolation key "
                                  r"'oops' not found\)"),
        ("seed=${nope}", r"seed: cannot resolve its value"),
    ],
)
def test_mia_attack_checks_its_config_before_touching_anything(
    observations_file, tmp_path, override, message
):
    """These used to reach ``float(f) for f in cfg.attack.fprs`` (or ``cfg.seed``) unchecked:
    a traceback with exit code 1, after the run directory was made."""
    with pytest.raises(ConfigError, match=message):
        attack_cli.run(_attack_cfg(observations_file, override), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_mia_attack_command_refuses_a_bad_fprs_with_one_line(observations_file, tmp_path):
    before = _digest(observations_file.parent)
    done = mia_attack(str(observations_file), "hydra.run.dir=out", "attack.fprs=[abc]",
                      cwd=tmp_path)  # the command's main() in this process
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "ConfigError: attack.fprs=['abc']: must be a non-empty list of numbers" in done.stderr
    assert not (tmp_path / "out").exists()
    assert _digest(observations_file.parent) == before


# -- a user's attack by _target_ ----------------------------------------------------------


def wrong_shape(observations, targets):
    """An attack that breaks the contract: one score per record, not per (target, record)."""
    return np.zeros(len(observations.labels))


def text_scores(observations, targets):
    return "scores"


def complex_scores(observations, targets):
    return np.zeros((len(targets), len(observations.labels))) + 1j


def crashes(observations, targets):
    if len(observations.labels) > 8:  # passes the rehearsal (8 records), fails for real
        raise RuntimeError("my attack's bug")
    return np.zeros((len(targets), len(observations.labels)))


def no_arguments():
    return 1


def builds_text():
    """Built without ``_partial_``, it gives a string, not an attack."""
    return "not an attack"


def _audit_with(target: str, *extra: str) -> None:
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    api.audit(obs, overrides=["attack.bootstrap=0", f"+attack.attacks.mine._target_={target}",
                              *extra])  # fmt: skip


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (f"{__name__}.wrong_shape", r"attack.attacks.mine: returned scores of shape \(8,\), "
         r"expected \(4, 8\) \(targets x records of a rehearsal on 8 random records before "
         r"training\)"),
        (f"{__name__}.text_scores", r"attack.attacks.mine: returned str, not numeric scores"),
        (f"{__name__}.complex_scores", r"attack.attacks.mine: returned ndarray, not numeric "
         r"scores \(complex numbers\)"),
        (f"{__name__}.no_arguments", r"attack.attacks.mine: cannot be called as "
         r"attack\(observations, targets\)"),
        (f"{__name__}.builds_text", r"attack.attacks.mine: its _target_ built str, not an "
         r"attack; point its _target_ at a function \(observations, targets\)"),
    ],
    ids=["wrong-shape", "text", "complex", "no-arguments", "not-callable"],
)
def test_a_broken_attack_of_the_users_is_refused_before_training(target, message):
    """These passed the rehearsal (its failures were left to the real run) and ended in a
    traceback after every model was trained."""
    partial = [] if target.endswith("builds_text") else ["+attack.attacks.mine._partial_=true"]
    with pytest.raises(ConfigError, match=message):
        with patch.object(api, "attack_observations", side_effect=AssertionError("ran")):
            _audit_with(target, *partial)


def test_an_attack_that_fails_on_the_real_observations_is_named():
    with pytest.raises(ConfigError, match=r"attack.attacks.mine: the attack raised RuntimeError: "
                       r"my attack's bug; fix it, or leave it out with '~attack.attacks.mine'"):
        _audit_with(f"{__name__}.crashes", "+attack.attacks.mine._partial_=true")


# -- train.optimizer={_target_: ...} with settings torch refuses --------------------------


@pytest.mark.parametrize(
    ("optimizer", "message"),
    [
        ("{_target_: torch.optim.SGD, momentum: -1}", r"train.optimizer: SGD refused its "
         r"settings \(Invalid momentum value: -1\); given lr=[0-9.]+, momentum: -1: fix train.lr "
         r"or the train.optimizer.\* values"),
        ("{_target_: torch.optim.AdamW, betas: [0.9, 2.0]}", r"train.optimizer: AdamW refused "
         r"its settings \(Invalid beta parameter at index 1: 2.0\)"),
        ("{_target_: torch.optim.AdamW, betas: 0.9}", r"train.optimizer: AdamW refused its "
         r"settings .*betas: 0.9"),
        ("{_target_: torch.optim.SGD, lr: abc}", r"train.optimizer.lr='abc': must be a "
         r"finite number > 0"),
        ("{_target_: torch.optim.AdamW, betas: [0.9, ${oops}]}", r"train.optimizer: cannot "
         r"resolve its value \(Interpolation key 'oops' not found\)"),
    ],
    ids=["momentum", "betas-range", "betas-scalar", "lr-text", "interpolation"],
)
def test_optimizer_settings_torch_refuses_stop_the_config_check(make_cfg, optimizer, message):
    """The packaged check imported the class only: torch's own checks ran when the first
    model's optimiser was built, a traceback after the data was loaded."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={optimizer}"))


def test_train_config_built_in_code_checks_the_optimizer_settings_too():
    with pytest.raises(ConfigError, match=r"train.optimizer: SGD refused its settings"):
        TrainConfig(optimizer={"_target_": "torch.optim.SGD", "nesterov": True}, momentum=0.0)
    TrainConfig(optimizer={"_target_": "torch.optim.SGD", "nesterov": True, "momentum": 0.9})


# -- a user's defense by _target_ ---------------------------------------------------------


class RaisingDefense(TrainingDefense):
    """A user's defense whose constructor refuses its settings."""

    def __init__(self, strength: float = 1.0) -> None:
        raise ValueError(f"strength {strength} is not supported")


def test_a_users_defense_that_raises_while_built_names_its_key(make_cfg):
    """It was a traceback out of DefenseFactory (Hydra's partial is called there, outside
    the instantiate wrapper that names the key for datasets, models and releases)."""
    cfg = make_cfg(f"+defense.mine={{_target_: {__name__}.RaisingDefense, strength: 2.0}}")
    with pytest.raises(ConfigError, match=r"defense.mine: cannot build it from the config: "
                       r"ValueError: strength 2.0 is not supported"):
        build_experiment(cfg)


# -- mia-report's output directory ---------------------------------------------------------


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return two_run_sweep(tmp_path / "sweep")


def test_a_report_never_overwrites_files_it_did_not_write(sweep, tmp_path, capsys):
    """``mia-report SWEEP -o .`` in a project wrote its summary over the project's README.md
    (and tradeoff.md, runs.csv, ... over files of those names)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("# My project\n")
    (project / "notes.txt").write_text("mine")
    before, runs = _digest(project), _digest(sweep)
    assert report_main([str(sweep), "--out", str(project), "--no-tensorboard", "--no-charts"]) == 2
    line = capsys.readouterr().err.strip()
    assert line == (f"mia-report: {project}: holds README.md, which mia-report did not write "
                    "and would overwrite (a report writes tradeoff.csv, tradeoff.md, runs.csv, "
                    "not_ranked.csv, tradeoff_tpr.png, tradeoff_auc.png, roc.png, README.md); "
                    "choose another report directory (mia-report --out DIR), e.g. an empty "
                    "one")  # fmt: skip
    assert _digest(project) == before and _digest(sweep) == runs
    with pytest.raises(ConfigError, match=r"holds tradeoff.md, which mia-report did not write"):
        (project / "README.md").unlink()
        (project / "tradeoff.md").write_text("| my | table |\n")
        write_report([sweep], out_dir=project, tensorboard=False, charts=False)
    # a report's own files are written again: its mark, or its summary's title
    out = tmp_path / "report"
    write_report([sweep], out_dir=out, tensorboard=False, charts=False)
    write_report([sweep], out_dir=out, tensorboard=False, charts=False)
    (out / ".mia-report").unlink()  # a report of earlier code: its README.md says what it is
    write_report([sweep], out_dir=out, tensorboard=False, charts=False)
    assert (out / "README.md").read_text().startswith("# Privacy-utility tradeoff")


def test_ctrl_c_while_a_report_is_rewritten_keeps_every_file_whole(
    sweep, tmp_path, capsys, monkeypatch
):
    """Ctrl-C was a traceback, and a file being rewritten was left truncated: the previous
    report's table was lost with the new one unwritten."""
    out = tmp_path / "report"
    write_report([sweep], out_dir=out, tensorboard=False, charts=False)
    before = _digest(out)

    real_write_csv = report_build.write_csv

    def half_then_interrupt(path, headers, rows):
        path.write_text("run,half")  # the file is half written when Ctrl-C comes
        raise KeyboardInterrupt

    monkeypatch.setattr(report_build, "write_csv", half_then_interrupt)
    assert report_main([str(sweep), "--out", str(out), "--no-tensorboard", "--no-charts"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == (
        "mia-report: interrupted; the runs were only read, and each report file is whole "
        "(the new one or the one before); run the same command again")  # fmt: skip
    assert _digest(out) == before  # no half file, no temporary left behind
    monkeypatch.setattr(report_build, "write_csv", real_write_csv)
    assert report_main([str(sweep), "--out", str(out), "--no-tensorboard", "--no-charts"]) == 0


# -- mia-train: a sweep directory that is a run's, a run directory that is a sweep's --------


def _mia_train(cwd: Path, *args: str) -> Done:
    """``mia-train ARGS progress=false`` in ``cwd``, run in this process (no interpreter
    start-up): its exit code, and its stdout and stderr as the console script's."""
    return mia_train(*args, "progress=false", cwd=cwd)


def test_a_sweep_into_a_finished_runs_directory_is_refused(tmp_path):
    """``-m hydra.sweep.dir=<a finished run>`` used to run the sweep inside the run's folder
    (multirun.yaml, an HParams file and its runs beside results.json and checkpoints/)."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text('{"status": "complete"}')
    (run / "checkpoints").mkdir()
    before = _digest(run)
    done = _mia_train(tmp_path, "-m", f"hydra.sweep.dir={run}", "train.lr=0.01,0.02")
    assert done.returncode == 2, done.stderr[-2000:]
    assert (f"ConfigError: hydra.sweep.dir={run} is a run's directory (it holds results.json); "
            "a sweep writes its runs into folders of a directory of its own: choose another "
            "hydra.sweep.dir") in done.stderr  # fmt: skip
    assert "Traceback" not in done.stderr
    assert _digest(run) == before and sorted(p.name for p in run.iterdir()) == [
        "checkpoints", "results.json"]  # fmt: skip

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    done = _mia_train(tmp_path, f"hydra.run.dir={sweep}")
    assert done.returncode == 2, done.stderr[-2000:]
    assert (f"ConfigError: hydra.run.dir={sweep} is a sweep's directory (it holds "
            "multirun.yaml)") in done.stderr  # fmt: skip
    assert sorted(p.name for p in sweep.iterdir()) == ["multirun.yaml"]


# -- data files ------------------------------------------------------------------------------


def test_a_csv_saved_with_a_byte_order_mark_reads_its_first_column_by_name(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark, which was read into the first
    column's name: dataset.label_column=label on such a file said "no column 'label' in the
    header ['\\ufefflabel', ...]"."""
    rows = "".join(f"{i % 2},{i},{i % 5}\n" for i in range(40))
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbflabel,a,b\n" + rows.encode())
    data = load_csv(path=path, label_column="label")
    assert data.x.shape == (40, 2) and data.num_classes == 2
    assert list(data.y[:4]) == [0, 1, 0, 1]


def test_mia_attack_into_a_symlink_loop_is_one_data_error(observations_file, tmp_path):
    """Path.resolve raised RuntimeError('Symlink loop') in the output check: a traceback from
    run(), a 'Callback SourceCheck.on_run_start raised RuntimeError' warning from the CLI."""
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    with pytest.raises(DataError, match=r"loop_a: cannot use it as the run directory"):
        attack_cli.run(_attack_cfg(observations_file), tmp_path / "loop_a")


# -- a results.json nested deep enough to break the recursive readers ---------------------


def _nested(depth: int) -> dict:
    node: dict = {}
    root = node
    for _ in range(depth):
        node["k"] = {}
        node = node["k"]
    return root


def test_a_results_json_nested_900_levels_deep_is_refused_by_name(observations_file, tmp_path):
    """Valid JSON, but 900 levels deep: json.loads read it and the recursive walks after it
    (mia-attack's results.json of the run attacked) ended in a RecursionError traceback."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "observations.npz").write_bytes(observations_file.read_bytes())
    payload = {**_complete_results(), "config": {"deep": _nested(900)}}
    (run / "results.json").write_text(json.dumps(payload))
    before = _digest(run)
    with pytest.raises(DataError, match=r"results.json: nested 903 levels deep, more than any "
                       r"run writes \(100\); not a results.json of mia-defense"):
        attack_cli.run(_attack_cfg(run), tmp_path / "out")
    assert _digest(run) == before
    # mia-train's guard of a run directory refuses it too, and never writes over it
    with pytest.raises(ConfigError, match=r"results.json is not the results of a mia-train run "
                       r"\(it is nested 903 levels deep, a run's at most 100\); nothing was "
                       r"changed"):
        finished_run(run, config={"seed": 0}, data_fingerprint=None)
    assert _digest(run) == before
    assert json_depth(payload) == 903 and json_depth([]) == 1 and json_depth(3) == 0


# -- mia-attack on a run directory whose results.json lies about the run -------------------


def _complete_results() -> dict:
    """The sections of a complete mia-train results.json that mia-attack carries over."""
    return {
        "schema_version": SCHEMA_VERSION, "status": "complete", "seed": 0, "dataset": "digits",
        "num_models": 4, "utility": {"test_accuracy": 0.9, "train_accuracy": 0.95,
                                     "generalization_gap": 0.05, "chance_accuracy": 0.34},
        "attacks": {"loss": {"access": "outputs", "auc": 0.6}}, "defense": {"defense": "none"},
        "privacy": {}, "hparams": {}, "config": {"seed": 0}, "training": {"engine": "stacked"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("hparams", [1], "hparams is list, not an object"),
        ("config", [1], "config is list, not an object"),
        ("privacy", [1], "privacy is list, not an object"),
        ("defense", "dp", "defense is str, not an object"),
        ("training", [1], "training is list, not an object"),
        ("utility", "x", "utility is str, not an object"),
        ("utility", {"test_accuracy": "high"}, "utility.test_accuracy is str 'high', not a "
         "number"),
        ("utility", {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1},
         "utility.chance_accuracy is missing"),
        ("seed", "abc", "seed is str 'abc', not an integer >= 0"),
    ],
)
def test_a_source_run_whose_results_json_has_wrong_types_is_named(
    observations_file, tmp_path, key, value, message
):
    """mia-attack carries the run's facts (seed, config, hparams, utility, privacy, defense,
    training) into its own results.json: a results.json with a wrong type in one of them was a
    TypeError, AttributeError or ValueError traceback after the attacks had run."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "observations.npz").write_bytes(observations_file.read_bytes())
    (run / "results.json").write_text(json.dumps({**_complete_results(), key: value}))
    before = _digest(run)
    with pytest.raises(DataError, match=rf"run/results.json: {re.escape(message)}.*; mia-attack "
                       r"reads the run's facts from it: attack the observations alone instead "
                       r"\(mia-attack .*run/observations.npz\)"):
        attack_cli.run(_attack_cfg(run, "attack.bootstrap=0"), tmp_path / "out")
    assert _digest(run) == before and not (tmp_path / "out").exists()


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_source_run_with_null_sections_and_figures_is_still_attacked(observations_file, tmp_path):
    """What mia-attack itself writes for observations without a test set (null accuracies),
    and null optional sections, stay readable: the check refuses only what cannot be read."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "observations.npz").write_bytes(observations_file.read_bytes())
    payload = {**_complete_results(), "hparams": None, "config": None, "privacy": None,
               "training": None}  # fmt: skip
    payload["utility"] = {**payload["utility"], "test_accuracy": None, "generalization_gap": None}
    (run / "results.json").write_text(json.dumps(payload))
    attack_cli.run(_attack_cfg(run, "attack.bootstrap=0"), tmp_path / "out")
    assert json.loads((tmp_path / "out" / "results.json").read_text())["status"] == "complete"


# -- observations files: no records, metadata nested too deep ------------------------------


def _arrays(**changes: np.ndarray) -> dict[str, np.ndarray]:
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    return {"log_probs": obs.log_probs, "masks": obs.masks, "labels": obs.labels,
            "schema_version": np.array(OBSERVATIONS_VERSION), **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"log_probs": np.zeros((4, 0, 3), np.float32), "masks": np.zeros((4, 0), bool),
          "labels": np.zeros(0, np.int64)},
         r"log_probs: shape \(4, 0, 3\): no records \(N=0\); an observations file holds every "
         r"model's output on each record attacked"),
        ({"metadata": np.array("[" * 5000 + "]" * 5000)},
         r"metadata: must be a string holding a JSON object"),
        ({"metadata": np.array(json.dumps({"facts": _nested(500)}))},
         r"metadata: a JSON object nested 502 levels deep; keep it to at most 100"),
    ],
    ids=["no-records", "metadata-too-deep-to-parse", "metadata-too-deep-to-write"],
)
def test_observations_without_records_or_with_runaway_metadata_are_refused(
    tmp_path, changes, message
):
    """No records: a ValueError from a reduction over an empty array; metadata nested
    thousands deep: a RecursionError from json.loads, or (500 deep) from the recursive writer
    of results.json once the attacks had run."""
    path = tmp_path / "obs.npz"
    np.savez(path, **_arrays(**changes))
    with pytest.raises(DataError, match=rf"obs.npz: {message}"):
        Observations.load(path)
    with pytest.raises(DataError, match=message):
        attack_cli.run(_attack_cfg(path, "attack.bootstrap=0"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("source", ["", "   "])
def test_an_empty_path_is_not_the_working_directory(tmp_path, monkeypatch, source):
    """``mia-attack ""`` read Path("") as the working directory: it attacked the folder the
    command ran in (or blamed the output directory for lying in 'the run attacked')."""
    run = tmp_path / "cwd_run"
    run.mkdir()
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(
        run / "observations.npz")
    monkeypatch.chdir(run)
    with pytest.raises(DataError, match=rf"source={source!r}: an empty PATH; give an "
                       r"observations .npz"):
        attack_cli.run(_attack_cfg(Path(source) if source else "", "attack.bootstrap=0"),
                       tmp_path / "out")  # fmt: skip
    assert not (tmp_path / "out").exists()


# -- Ctrl-C during start-up ------------------------------------------------------------------


def test_ctrl_c_inside_an_import_at_start_up_is_an_interruption_not_a_user_error(capsys):
    """Ctrl-C about 1.5 s after ``mia-train`` starts lands inside numpy's or torch's import;
    the half-imported module then fails as an ImportError, which Hydra reports as "Error
    locating target 'mia_defense.config.CheckConfigCallback'" and exits 1, which the tools
    turned into exit 2 (a user error) with no word of the interruption."""

    def hydra_like_entry() -> None:
        try:
            try:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, in the middle of an import
                time.sleep(1)
            except KeyboardInterrupt:
                raise ImportError("cannot load module more than once per process") from None
        except ImportError as exc:  # what Hydra's callback instantiation does with it
            print(f"Error locating target: {exc}", file=sys.stderr)
            raise SystemExit(1) from None

    # A terminal's process: a background job (`nohup`, `&`: CI runners, make bench) starts
    # with SIGINT ignored, which run_entry leaves alone, and the Ctrl-C would never arrive.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(SystemExit) as exit_info:
            run_entry(hydra_like_entry, started=lambda: False, interrupted="interrupted; rerun")
    finally:
        handler = signal.signal(signal.SIGINT, ignored)
    assert exit_info.value.code == 130
    assert handler is signal.default_int_handler  # put back
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted; rerun"


# -- cache_dir='' --------------------------------------------------------------------------


def test_an_empty_cache_dir_is_refused_not_the_working_directory(make_cfg, tmp_path,
                                                                monkeypatch):  # fmt: skip
    """cache_dir='' passed the check (a string) and Path('') put the model store's
    <sha256>.pt, .json and .lock files into the folder mia-train was started from."""
    with pytest.raises(ConfigError, match=r"cache_dir='': must be a path, or null or false "
                       r"\(off\)"):
        check_config(make_cfg("cache_dir=''"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"cache_dir='': must be a path"):
        build_experiment(make_cfg("cache_dir=''"))
    with pytest.raises(ConfigError, match=r"cache_dir='': an empty path \(the working "
                       r"directory\); give a directory for the model store, or null or false"):
        build_module._cache_dir("", run_dir=None)  # (for callers without the check)
    assert list(tmp_path.iterdir()) == []


# -- a config group set to null ------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "line"),
    [
        ("defense=null", "ConfigError: defense=null: a config group takes the name of one of its "
         "configs (the files in conf/defense/) or a list of them ('defense=[dp,mixup]'; "
         "'defense=[]' for none), not null"),
        ("release=[null]", "ConfigError: release=[null]: a config group takes the name of one "
         "of its configs (the files in conf/release/), not null"),
        ("dataset=null,digits", "ConfigError: dataset=null,digits: a config group takes"),
    ],
)
def test_a_config_group_set_to_null_is_one_line(tmp_path, override, line):
    """Hydra stopped on these with a Python traceback ("ValueError: Config group override must
    be a string or a list. Got NoneType", or a TypeError for [null])."""
    done = _mia_train(tmp_path, f"hydra.run.dir={tmp_path / 'run'}", override)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and done.stderr.strip().startswith(line)
    assert not (tmp_path / "run").exists()
    assert null_group_override(["-m", "hydra.run.dir=x", "defense=[]", "release=full",
                                "+defense.mine._target_=x.Y"]) is None  # fmt: skip


def test_mia_attack_refuses_its_attack_group_set_to_null(observations_file, tmp_path):
    done = mia_attack(str(observations_file), "attack=null", f"hydra.run.dir={tmp_path / 'out'}",
                      cwd=tmp_path)  # the command's main() in this process
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.strip() == ("ConfigError: attack=null: a config group takes the name of "
                                   "one of its configs (the files in conf/attack/), not null")


# -- the model store (cache_dir) -------------------------------------------------------------


def _stated(manifest: str) -> dict:
    """A store manifest without the time it was written."""
    return {k: v for k, v in json.loads(manifest).items() if k != "written"}


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_store_entry_that_is_a_fifo_or_too_deep_is_trained_again(make_cfg, tmp_path, caplog):
    """A FIFO as an entry's manifest or weights blocked the run forever (read_text on a
    pipe); a manifest nested 100,000 deep was a RecursionError traceback; a weights file
    larger than its manifest states was read whole into memory before its hash was checked."""
    store = tmp_path / "store"
    # the attack stage's extras are no part of a store entry: left out of these six runs
    cfg = make_cfg("plan.num_models=2", "train.epochs=1", "plan.population_size=200",
                   *LEAN_ATTACKS, f"cache_dir={store}")  # fmt: skip
    build_run(cfg, tmp_path / "first")
    (weights,) = store.glob("*.pt")
    manifest = weights.with_suffix(".json")
    good_weights, good_manifest = weights.read_bytes(), manifest.read_text()
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    damages = {  # (the FIFOs last: on a regression they block, after the others failed)
        "deep-manifest": (manifest, lambda: manifest.write_text("[" * 100_000 + "]" * 100_000),
                          "unreadable (RecursionError"),
        "grown-weights": (weights, lambda: weights.write_bytes(good_weights + b"\0" * 10),
                          "it is larger than its manifest states"),
        "fifo-manifest": (manifest, lambda: os.mkfifo(manifest), "json is not a regular file"),
        "fifo-weights": (weights, lambda: os.mkfifo(weights), "pt is not a regular file"),
    }  # fmt: skip
    for name, (path, damage, message) in damages.items():
        path.unlink()
        damage()
        result = build_run(cfg, tmp_path / name)
        assert result.training["reused"] == 0, name
        assert message in caplog.text, name
        assert weights.read_bytes() == good_weights, name  # trained again, the same models
        assert _stated(manifest.read_text()) == _stated(good_manifest), name
    assert build_run(cfg, tmp_path / "again").training["reused"] == 2


# -- FIFOs where a run's files should be ---------------------------------------------------


def test_a_fifo_as_a_runs_npz_or_checkpoint_is_named_not_waited_on(
    observations_file, tmp_path, caplog
):
    """np.load and torch.load open the path: a FIFO as a run's observations.npz (mia-attack),
    its scores.npz (mia-report's ROC curves) or a checkpoint (a resumed run) blocked forever."""
    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / "observations.npz")
    with within(20), pytest.raises(DataError, match=r"run/observations.npz: a FIFO \(named "
                                    r"pipe\), not a regular file; replace it with the file "
                                    r"itself"):  # fmt: skip
        attack_cli.run(_attack_cfg(run, "attack.bootstrap=0"), tmp_path / "out")
    with within(20), pytest.raises(DataError, match=r"run/observations.npz: a FIFO"):
        load_npz(run / "observations.npz")
    os.mkfifo(tmp_path / "model_0001.pt")
    with within(20), pytest.raises(DataError, match=r"checkpoint .*model_0001.pt is corrupt or "
                                    r"not a mia-defense checkpoint \(not a regular file\); "
                                    r"delete it to retrain that model"):  # fmt: skip
        load_checkpoint(tmp_path / "model_0001.pt")
    with pytest.raises(FileNotFoundError):  # no checkpoint: trained, as before
        load_checkpoint(tmp_path / "model_0002.pt")


def test_a_sigma_cache_entry_nested_too_deep_is_searched_again(tmp_path, monkeypatch):
    """The DP noise search reads its cache ($MIA_DEFENSE_CACHE_DIR/sigma/*.json): an entry
    nested 100,000 deep was a RecursionError traceback in every DP run with that key."""
    monkeypatch.setenv(accounting.SIGMA_CACHE_ENV, str(tmp_path))
    key = accounting._cache_key("rdp", 8.0, 1e-5, 0.1, 100)
    path = accounting._cache_path(key)
    path.parent.mkdir(parents=True)
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert accounting._read_cached_sigma(key) is None


def test_the_end_of_a_sweep_never_opens_a_fifo_named_results_json(tmp_path):
    """The sweep's summary looked for diverged runs with read_text on every results.json
    written since it started: a FIFO of that name blocked the sweep's end forever."""
    from mia_defense.cli.run_records import diverged_since
    from mia_defense.files import run_files

    (tmp_path / "a").mkdir()
    os.mkfifo(tmp_path / "a" / "results.json")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "results.json").write_text('{"status": "diverged"}')
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "results.json").write_text("[" * 100_000 + "]" * 100_000)
    with within(20):
        assert diverged_since(run_files(tmp_path), {}) == [tmp_path / "b"]


def test_mia_report_never_opens_a_fifo_in_a_run_or_in_its_output(sweep, tmp_path):
    """A mia-attack run of an observations file is told apart by the labels of its copy of
    the observations (np.load); a FIFO there blocked the report forever."""
    payload = json.loads((sweep / "a" / "results.json").read_text())
    payload["source"] = {"kind": "observations", "path": "/elsewhere/obs.npz", "metadata": {}}
    (sweep / "a" / "results.json").write_text(json.dumps(payload))
    (sweep / "a" / "observations.npz").unlink(missing_ok=True)
    os.mkfifo(sweep / "a" / "observations.npz")
    with within(30):
        report = write_report([sweep], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    assert len(report.summaries) == 2
    out = tmp_path / "fifo_out"
    out.mkdir()
    os.mkfifo(out / "README.md")
    with within(20), pytest.raises(ConfigError, match=r"holds README.md, which mia-report did "
                                    r"not write"):  # fmt: skip
        write_report([sweep], out_dir=out, tensorboard=False, charts=False)
