"""Small things a new user hit (issue 18, point 13): stage names in the training log,
Optuna's long floats in run folder names, and what failed runs leave for `mia-report`."""

from __future__ import annotations

import hashlib
import logging

import pytest
from omegaconf import OmegaConf

import mia_defense.cli.train  # noqa: F401  (registers the mia_safe_dirname resolver)
from mia_defense.cli.report import main as report_main
from mia_defense.cli.train import run
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import safe_dirname
from mia_defense.training.ensemble import stage_models
from tests.helpers import mia_train
from tests.report.fake_runs import make_run

FAST = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1",
        "attack.bootstrap=0", "progress=false"]  # fmt: skip


# -- stage names -------------------------------------------------------------------------------


def test_stage_models_names_the_models_of_a_stage():
    assert stage_models("model") == "models"
    assert stage_models("undefended") == "undefended models"


@pytest.mark.parametrize("defense", ["weight_decay", "relaxloss"])  # stacked, one at a time
def test_log_and_progress_say_undefended_models(make_cfg, tmp_path, caplog, capsys, defense):
    cfg = make_cfg(f"defense={defense}", "attack.shadow_recipe=undefended", *FAST,
                   "progress=true")  # fmt: skip
    with caplog.at_level(logging.INFO, logger="mia_defense.training"):
        run(cfg, tmp_path / "run")
    bars = capsys.readouterr().err
    text = caplog.text + bars
    assert "training undefended models" in text and "training models" in text
    assert "training undefended models" in bars  # the progress bar's own label
    assert "undefendeds" not in text and "modelss" not in text


# -- Optuna's floats in folder names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ("model.dropout=0.37454011884736254,train.epochs=23,train.weight_decay=1.2345678901234567e-05",
         "model.dropout=0.37454,train.epochs=23,train.weight_decay=1.23457e-05~"),
        ("model.hidden=[0.1234567891,2]", "model.hidden=[0.123457,2]~"),
        ("defense.dp={target_epsilon:0.9999999999}", "defense.dp={target_epsilon:1}~"),
        ("train.lr=-0.000987654321", "train.lr=-0.000987654~"),
    ],
)  # fmt: skip
def test_safe_dirname_writes_long_floats_with_six_digits_and_a_hash(overrides, name):
    short = safe_dirname(overrides)
    digest = hashlib.sha256(overrides.encode()).hexdigest()[:8]
    assert short == name + digest
    resolved = OmegaConf.create({"d": "${mia_safe_dirname:'" + overrides + "'}"}).d
    assert resolved == short and "/" not in resolved


@pytest.mark.parametrize(
    "overrides",
    ["train.lr=0.001,train.weight_decay=0.000123456", "dataset.path=/data/v1.23456789012"],
)
def test_names_without_long_floats_stay_as_the_user_typed_them(overrides):
    assert safe_dirname(overrides) == overrides.replace("/", "%2F")


def test_floats_that_agree_in_six_digits_keep_distinct_names():
    a = safe_dirname("model.dropout=0.37454011884736254")
    b = safe_dirname("model.dropout=0.37454011884736255")
    assert a != b and a.startswith("model.dropout=0.37454~")
    assert safe_dirname("model.dropout=0.37454011884736254") == a  # a rerun finds its folder


def test_optuna_trial_folders_carry_short_floats(optuna_sweep):
    """The two-trial search of tests/conftest.py (shared with test_sweep)."""
    runs = sorted(p for p in optuna_sweep.iterdir() if (p / "results.json").exists())
    assert len(runs) == 2
    for run_dir in runs:
        name, _, digest = run_dir.name.partition("~")
        assert len(digest) == 8, run_dir.name
        values = dict(item.split("=", 1) for item in name.split(","))
        config = read_json(run_dir / "results.json")["config"]
        dropout, decay = config["model"]["dropout"], config["train"]["weight_decay"]
        assert values["model.dropout"] == f"{dropout:.6g}"
        assert values["train.weight_decay"] == f"{decay:.6g}"
        for value in (values["model.dropout"], values["train.weight_decay"]):
            mantissa = value.split("e")[0].replace(".", "").lstrip("0")
            assert len(mantissa) <= 6, run_dir.name


# -- what failed runs leave behind -------------------------------------------------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_config_error_leaves_no_folder(tmp_path):
    done = mia_train("plan.num_models=3", cwd=tmp_path)
    assert done.returncode == 2 and "plan.num_models=3" in done.stderr
    assert list(tmp_path.iterdir()) == []
    # A sweep's jobs are checked one by one as they start: the first refused job stops the
    # sweep, leaving its folder with the log of the error only (no results.json, so
    # mia-report never counts it; see the next test).
    done = mia_train("-m", "plan.num_models=3,5", cwd=tmp_path)
    assert done.returncode == 2
    files = {p.name for p in (tmp_path / "multirun").rglob("*") if p.is_file()}
    assert files == {"multirun.yaml", "train.log"}


def test_report_is_silent_about_failed_and_empty_run_folders(tmp_path, monkeypatch, capsys,
                                                            caplog):
    """A run that fails on the data (here: a plan larger than the dataset, found only once
    the data is read: the sizes of digits and of the generated datasets are known before,
    and refused before the run folder) leaves no folder (h459); a sweep's point refused so
    keeps its folder with the log of the error and no results.json; `mia-report outputs`
    reports the finished runs beside it without a word about it."""
    import numpy as np

    np.savez(tmp_path / "d.npz", x=np.zeros((200, 3)), y=np.arange(200) % 2)
    done = mia_train("dataset=npz", "dataset.path=d.npz",
                     "plan.population_size=190", "plan.test_size=100", cwd=tmp_path)
    assert done.returncode == 2 and "too few samples for the plan" in done.stderr
    assert not (tmp_path / "outputs").exists()
    failed = tmp_path / "outputs" / "refused_point"  # (as a sweep's refused point leaves it)
    failed.mkdir(parents=True)
    (failed / "train.log").write_text("DataError: too few samples for the plan ...\n")
    (tmp_path / "outputs" / "empty" / "deeper").mkdir(parents=True)
    make_run(tmp_path / "outputs" / "done", test_accuracy=0.9, signal=1.0)
    monkeypatch.chdir(tmp_path)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert report_main(["outputs", "--no-tensorboard", "--no-charts"]) == 0
    printed = capsys.readouterr()
    assert "1 run reported, 0 skipped, 0 not ranked" in printed.out
    said = printed.err + caplog.text  # what the report logged, wherever logging sends it
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "WARNING" not in said and failed.name not in said
    assert "empty" not in said
    assert (failed / "train.log").exists()  # nothing of the user's was deleted
