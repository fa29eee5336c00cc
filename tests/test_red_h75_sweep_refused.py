"""An Optuna search whose every trial mia-train refuses (a fixed setting that clashes with
the searched knob) ends in one line naming the first refusal, exit 2: a single-objective
search was Optuna's "No trials are completed yet." traceback (exit 1), a multi-objective one
ended on the sweeper's "Return value must be ... Got 'None'" lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mia_defense.cli import stopped
from tests.helpers import mia_train

CLASH = (
    "-m", "hparams_search=optuna_custom", "defense=dp",
    '+hydra.sweeper.params={defense.dp.noise_multiplier: "interval(0.5, 3.0)"}',
    "plan.num_models=2", "train.epochs=1", "hydra.sweeper.n_trials=2",
    "hydra.sweeper.n_jobs=1", "progress=false", "figures=false",
)  # fmt: skip
REFUSAL = "set exactly one of them (the other to null)"


def refused_at_trial_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLASH's trials refused at trial time alone, as a refusal no up-front check foresees
    (the run's check of one drawn value against a fixed setting refuses CLASH's search
    before it starts, 1f033521): that check (`_refuse_points_the_run_refuses`) left out, the
    trials' own checks refuse each trial as before."""
    import mia_defense.cli.search_checks as checks

    monkeypatch.setattr(checks, "_refuse_points_the_run_refuses", lambda *_, **__: None)


def test_optuna_no_completed_trial_is_recognised() -> None:
    assert stopped._no_trial_finished(ValueError("No trials are completed yet."))
    assert not stopped._no_trial_finished(ValueError("something else"))
    assert not stopped._no_trial_finished(RuntimeError("No trials are completed yet."))


@pytest.fixture(autouse=True)
def _no_earlier_sweep(sweep_end) -> None:
    """What the launchers of an earlier sweep in this pytest worker handed back (a point of
    an in-process ``mia-train -m`` refused) is not this sweep's: kept, it made "every run of
    this sweep was refused (3 of 3" of two refusals, as tests ran under -n 2."""


def _summary_end(
    sweep_end, tmp_path: Path, capsys: pytest.CaptureFixture[str], *, out: bool = False,
    **points: Any,
) -> str:
    """What the end of a sweep in ``tmp_path`` of ``points`` (`SweepEnd.start`'s) says on
    stderr (with stdout first where ``out``)."""
    sweep_end.end(tmp_path, **points)
    said = capsys.readouterr()
    return said.out + said.err if out else said.err


def test_every_point_refused_is_said_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:
    runs = [tmp_path / "a", tmp_path / "b"]
    err = _summary_end(sweep_end, tmp_path, capsys, runs=runs,
                       failed=[(run, f"ConfigError: {run.name} bad") for run in runs])
    assert "every run of this sweep was refused (2 of 2" in err
    assert err.strip().endswith("the first refusal: ConfigError: a bad")


def test_a_sweep_with_a_run_not_refused_does_not_say_every_one_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:
    runs = [tmp_path / "a", tmp_path / "b"]
    err = _summary_end(sweep_end, tmp_path, capsys, runs=runs,
                       failed=[(runs[0], "ConfigError: a bad")])
    assert "every run of this sweep was refused" not in err


def test_a_point_that_failed_after_saving_models_is_not_said_to_be_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:
    """A point whose disk filled up as it wrote its results (a DataError after its models
    were saved: results.json says failed) ended the sweep with 'every run of this sweep was
    refused (2 of 2; nothing was trained ...)' and 'nothing was run there'."""
    from mia_defense.tracking import write_json

    runs = [tmp_path / "a", tmp_path / "b"]
    summary, config = sweep_end.start(
        tmp_path, runs=runs, failed=[(run, f"DataError: {run.name}: disk full") for run in runs])
    write_json(runs[0] / "results.json", {"status": "failed", "config": {}})  # (in the sweep)
    summary.on_multirun_end(config)
    err = "".join(capsys.readouterr())
    assert "every run of this sweep was refused" not in err
    refused, failed = err.split("1 run(s) of this sweep were refused")[1].split(
        "1 run(s) of this sweep failed after they began")  # fmt: skip
    assert "b: disk full" in refused and "a: disk full" not in refused
    assert "a: disk full" in failed and "they saved no trained model" in failed


@pytest.mark.slow  # 1-5 s: two refused trials of an Optuna search, in process
@pytest.mark.parametrize("single", [True, False], ids=["one-objective", "two-objectives"])
def test_optuna_search_with_every_trial_refused_ends_in_one_clear_line(
    tmp_path: Path, single: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    refused_at_trial_time(monkeypatch)
    extra = ("objectives=[max_attack.tpr@1%fpr]", "hydra.sweeper.direction=minimize")
    done = mia_train(*CLASH, *(extra if single else ()), "hydra.sweep.dir=s", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("every run of this sweep was refused (2 of 2"), done.stderr[-2000:]
    assert "the first refusal: ConfigError: defense.dp.noise_multiplier=" in last
    assert REFUSAL in last


@pytest.mark.slow  # 2-6 s: one diverged trial of a one-objective Optuna search, in process
def test_optuna_search_with_no_finished_trial_ends_without_traceback(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    done = mia_train(
        "-m", "hparams_search=optuna_custom",
        '+hydra.sweeper.params={train.lr: "interval(1e29, 1e30)"}',
        "objectives=[max_attack.tpr@1%fpr]", "hydra.sweeper.direction=minimize",
        "plan.num_models=2", "train.epochs=1", "hydra.sweeper.n_trials=1",
        "hydra.sweeper.n_jobs=1", "progress=false", "figures=false", "hydra.sweep.dir=s",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("no trial of this search finished")


def test_the_tradeoff_report_is_named_only_where_a_run_completed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:
    """A sweep whose every run was refused ended with 'tradeoff report: mia-report DIR', a
    command that then said there was no finished run to rank."""
    from mia_defense.tracking import write_json

    runs = [tmp_path / "a", tmp_path / "b"]
    said = _summary_end(sweep_end, tmp_path, capsys, out=True, runs=runs,
                        failed=[(run, f"ConfigError: {run.name} bad") for run in runs])
    assert "sweep directory:" in said and "tradeoff report:" not in said

    write_json(runs[0] / "results.json", {"status": "complete", "config": {}})
    said = _summary_end(sweep_end, tmp_path, capsys, out=True, runs=runs,
                        failed=[(runs[1], "ConfigError: b bad")])
    assert "tradeoff report:" in said
