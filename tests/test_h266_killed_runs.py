"""A single mia-train run killed the hard way (SIGKILL, the OOM killer) read ``running`` for
ever, and every tool that met it said so as if it might still run: mia-report 'still running,
or killed', mia-train of another config 'holds a running run of another config', mia-attack
'status 'running', not complete', the resume 'status 'running', running it again'. Where
nothing holds its lock and its last writer was of this host, each now says it was killed
and how to resume it (h266). Killed states are made by a forked writer that claims the run,
marks it running and SIGKILLs itself, as in tests/tracking/test_h253_killed_runs_marked."""

from __future__ import annotations

import logging
import socket

import pytest
from omegaconf import OmegaConf

from mia_defense.errors import DataError
from mia_defense.tracking.run_dir import (
    LOCK,
    claim_run_dir,
    finished_run,
    killed_writer,
    other_run,
)
from tests.helpers import killed_while_running

CONFIG = {"seed": 0, "train": {"epochs": 3}}


@pytest.fixture
def killed(tmp_path):
    run_dir = tmp_path / "run"
    killed_while_running(run_dir, CONFIG, train_log=True)
    return run_dir


def test_killed_writer_reads_the_dead_holder_only(killed):
    holder = killed_writer(killed)
    assert holder is not None and holder.startswith("pid ")
    assert f" on {socket.gethostname()} since " in holder
    with claim_run_dir(killed):  # in progress (flock: another open file's lock)
        assert killed_writer(killed) is None
    (killed / LOCK).write_text(f"pid 1 on not-{socket.gethostname()} since 2026-12-05\n")
    assert killed_writer(killed) is None  # (a job that may run on that host)
    (killed / LOCK).unlink()
    assert killed_writer(killed) is None


def test_another_config_into_a_killed_run_says_killed_and_how_to_resume(killed):
    other = {"seed": 0, "train": {"epochs": 4}}
    said = other_run(killed, config=other, data_fingerprint="f")
    assert "holds a killed run of another config (train.epochs: 3 -> 4)" in said
    assert "still reads 'running'" in said and "was killed" in said
    assert "Resume it with its own settings" in said
    assert "hydra.sweep.dir" in said


def test_the_command_line_check_says_killed_too(killed, caplog):
    from mia_defense.cli.run_dirs import refuse_run_of_another_config

    config = OmegaConf.create({**CONFIG, "train": {"epochs": 4},
                               "hydra": {"run": {"dir": str(killed)}}})  # fmt: skip
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stop:
        refuse_run_of_another_config(config)
    assert stop.value.code == 2
    assert "holds a killed run of another config (train.epochs: 3 -> 4)" in caplog.text
    assert "a running run" not in caplog.text


def test_a_run_in_progress_is_still_said_to_be_running(killed):
    with claim_run_dir(killed):
        said = other_run(killed, config={"seed": 1, "train": {"epochs": 3}},
                         data_fingerprint="f")  # fmt: skip
    assert "holds a running run of another config" in said


def test_the_resume_says_the_run_was_killed(killed, caplog):
    with caplog.at_level(logging.INFO), claim_run_dir(killed):
        assert finished_run(killed, config=CONFIG, data_fingerprint="f") is None
    assert "no process runs it (it was killed before it finished): resuming it" in caplog.text


def test_mia_report_says_killed_not_maybe_running(killed):
    from mia_defense.report.runs import load_runs

    loaded = load_runs([killed])
    (reason,) = [why for _, why in loaded.skipped]
    assert "was killed" in reason and "still running, or killed" not in reason
    assert "to resume it" in reason


def test_mia_attack_says_killed_and_how_to_resume(killed):
    from mia_defense.attack_source import read_source, unreadable_source

    said = unreadable_source(killed)  # (no observations.npz yet: killed while training)
    assert said is not None and "was killed" in said
    assert f"hydra.run.dir={killed}" in said
    (killed / "observations.npz").write_bytes(b"")  # (killed while attacking)
    with pytest.raises(DataError, match=r"was killed.*resume it first"):
        read_source(killed)


# --- An Optuna search started again in its folder with another space (h266) ---------------
# The in-memory study is rebuilt on each start, its seeded sampler drawing the same trials
# (their runs skipped as finished): with another space it drew others, a new study whose
# trials lay beside the earlier study's in one folder, and mia-report ranked both on one
# Pareto front (reproduced: choice(0.01, 0.05), then choice(0.02, 0.1), 4 trial runs).
OPTUNA = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"


def _search(sweep_dir, *, space="choice(0.01, 0.05)", task=(), objectives=None,
            target=OPTUNA, n_trials=2):
    return OmegaConf.create({
        "objectives": objectives or ["utility.test_accuracy", "max_attack.tpr@1%fpr"],
        "hydra": {"sweep": {"dir": str(sweep_dir)},
                  "overrides": {"task": ["dataset=digits", "train.epochs=2", *task]},
                  "sweeper": {"_target_": target, "n_trials": n_trials,
                              "direction": ["maximize", "minimize"],
                              "params": {"train.lr": space}}},
    })  # fmt: skip


def _began(sweep_dir) -> None:
    """A trial whose run began (its results.json), as a search's first start leaves."""
    (sweep_dir / "trial").mkdir()
    (sweep_dir / "trial" / "results.json").write_text("{}")


def _refused(config, caplog) -> str:
    from mia_defense.cli.run_dirs import refuse_other_search

    caplog.clear()
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stop:
        refuse_other_search(config)
    assert stop.value.code == 2
    return caplog.text


def test_the_same_search_resumes_and_another_space_is_refused(tmp_path, caplog):
    from mia_defense.cli.run_dirs import SEARCH_RECORD, refuse_other_search

    refuse_other_search(_search(tmp_path))  # the first start records its search
    recorded = (tmp_path / SEARCH_RECORD).read_bytes()
    _began(tmp_path)
    # started again: the same, more trials, spaced otherwise, a neutral setting: goes on
    refuse_other_search(_search(tmp_path, space="choice(0.01,0.05)", n_trials=9,
                                task=["progress=false", "launcher=joblib"]))  # fmt: skip
    assert (tmp_path / SEARCH_RECORD).read_bytes() == recorded
    said = _refused(_search(tmp_path, space="choice(0.02, 0.1)"), caplog)
    assert "holds an Optuna search of other settings (train.lr: choice(0.01,0.05) -> " \
        "choice(0.02,0.1))" in said
    assert "separate search in a new folder (hydra.sweep.dir=...)" in said
    assert (tmp_path / SEARCH_RECORD).read_bytes() == recorded  # (nothing changed)


def test_other_objectives_or_fixed_settings_are_refused(tmp_path, caplog):
    from mia_defense.cli.run_dirs import refuse_other_search

    refuse_other_search(_search(tmp_path))
    _began(tmp_path)
    said = _refused(_search(tmp_path, objectives=["utility.test_accuracy",
                                                  "privacy.empirical_epsilon"]), caplog)
    assert 'objectives: ["utility.test_accuracy", "max_attack.tpr@1%fpr"] -> ' in said
    said = _refused(_search(tmp_path, task=["train.batch_size=8"]), caplog)
    assert "fixed settings:" in said and "train.batch_size=8" in said
    # a range given on the command line is part of the space
    said = _refused(_search(tmp_path, task=["model.dropout=interval(0,0.5)"]), caplog)
    assert "model.dropout: (unset) -> interval(0,0.5)" in said


def test_a_search_none_of_whose_trials_began_may_change(tmp_path):
    from mia_defense.cli.run_dirs import SEARCH_RECORD, refuse_other_search

    refuse_other_search(_search(tmp_path, space="choice(fast)"))  # (each trial refused)
    refuse_other_search(_search(tmp_path, space="choice(0.01, 0.05)"))  # the setting fixed
    assert "choice(0.01,0.05)" in (tmp_path / SEARCH_RECORD).read_text()


def test_a_grid_sweep_records_no_search(tmp_path):
    from mia_defense.cli.run_dirs import refuse_other_search

    refuse_other_search(_search(tmp_path, target="hydra._internal.core_plugins.BasicSweeper"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_mia_train_refuses_a_search_of_another_space_in_its_folder(tmp_path):
    from tests.helpers import mia_train

    # one trial of one epoch, stopped at its first (train.lr=1e30 diverges; a value the
    # run's config check refuses, model.dropout: choice(fast), is refused before the search
    # starts, 1f033521): the search's start is all this needs
    start = ["-m", "hparams_search=optuna_custom", "plan.num_models=2", "progress=false",
             "figures=false", "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1",
             "train.epochs=1", "plan.reference_size=300",
             f"hydra.sweep.dir={tmp_path / 'search'}"]  # fmt: skip
    mia_train(*start, '+hydra.sweeper.params={train.lr: "choice(1e30)"}', cwd=tmp_path)
    _began(tmp_path / "search")  # (its trial diverged: as if it had run)
    done = mia_train(*start, '+hydra.sweeper.params={train.lr: "choice(1e29)"}',
                     cwd=tmp_path)
    assert done.returncode == 2
    assert "holds an Optuna search of other settings (train.lr: choice(1e30) -> " \
        "choice(1e29))" in done.stderr, done.stderr[-2000:]


# --- A resumed one-run audit trained every model again (h266) -----------------------------
# The gradient canaries' hook was set for any attack.audit=one_run with attack.white_box
# (the default), DP-SGD or not, and a resume took it for canaries riding on training: 'not
# resuming from the 4 saved models' (and no model store), though without DP-SGD none rides.


def test_a_one_run_audit_without_dp_sgd_resumes_its_saved_models(tmp_path, make_cfg, caplog):
    from mia_defense.cli.build import build_experiment
    from mia_defense.cli.train import run
    from mia_defense.pipeline.train import gradient_canaries_ride

    cfg = make_cfg("attack.audit=one_run")
    assert not gradient_canaries_ride(build_experiment(cfg))
    run(cfg, tmp_path / "run")
    (tmp_path / "run" / "results.json").unlink()  # (the README's way to write it again)
    with caplog.at_level(logging.INFO):
        run(cfg, tmp_path / "run")
    assert "already trained" in caplog.text and "not resuming" not in caplog.text


def test_gradient_canaries_still_ride_on_dp_sgd(make_cfg):
    from mia_defense.audit.one_run import AuditConfig, audit_training
    from mia_defense.cli.build import build_experiment
    from mia_defense.defenses.dp_stacked import _CANARY_FACTORY
    from mia_defense.pipeline.train import gradient_canaries_ride

    assert gradient_canaries_ride(build_experiment(make_cfg(
        "defense=dp", "attack.audit=one_run", "attack.white_box=true")))
    audit = AuditConfig(kind="one_run", gradient_canaries=10, white_box=True)
    with audit_training(audit, seed=0) as canaries:
        assert _CANARY_FACTORY.get() is canaries
    with audit_training(audit, seed=0, ride=False) as canaries:
        assert canaries is not None and _CANARY_FACTORY.get() is None


@pytest.mark.slow
def test_an_interrupted_white_box_audit_says_its_models_are_reused(tmp_path, monkeypatch):
    """Ctrl-C of a DP run with the gradient canaries said 'kept: 2 trained models saved
    ..., reused when the run resumes', and the resume trained both again; 14345e1c said
    they would train again. Each chunk's canaries' record is saved beside its models now
    (h274), and the resume reuses them, as the kept line says."""
    import mia_defense.experiment as experiment
    from mia_defense.tracking import read_json
    from tests.helpers import mia_train

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # (as the signal handler raises it, models saved)

    monkeypatch.setattr(experiment, "release_population", stopped)
    run_dir = tmp_path / "run"
    done = mia_train("plan.num_models=2", "plan.population_size=200", "progress=false",
                     "figures=false", "train.epochs=1", "attack.bootstrap=0", "defense=dp",
                     "attack.audit=one_run", "attack.white_box=true",
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 130, done.stderr[-2000:]
    assert "resume_retrains" not in read_json(run_dir / "results.json")
    assert "kept: 2 trained models saved in " in done.stderr
    assert "reused when the run resumes" in done.stderr
    assert len(list((run_dir / "checkpoints").glob("canaries_*.npz"))) == 2
