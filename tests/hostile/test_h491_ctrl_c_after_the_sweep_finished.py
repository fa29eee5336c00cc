"""h491: a sweep interrupted by Ctrl-C after its last job finished (as it said its end: its
HParams experiment, the commands that compare its runs; or in Hydra's end after it) ended
'interrupted; run the same command again to resume' (and, in a folder of the clock, 'to
resume this sweep, add hydra.sweep.dir=...'; as its end was said, 'kept: 2 finished runs of
this sweep (skipped when it resumes)' before), though every run was finished and nothing was
left to resume. It now says the sweep finished, exit 130 as before; a sweep with a run left
to resume keeps its lines."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

import mia_defense.cli.sweep_end as ended
from mia_defense.cli import stopped
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
RESUME = "run the same command again to resume"
FINISHED = ("interrupted after the sweep finished: nothing is left to resume (2 finished runs "
            "kept); the same command with hydra.sweep.dir={} says its end again, its finished "
            "runs skipped")


@pytest.fixture(autouse=True)
def _default_handlers():
    """Python's own Ctrl-C handler, over which run_entry installs its own (and after)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _ctrl_c() -> None:
    """Ctrl-C to this process, taken by run_entry's handler (never Python's: pytest's)."""
    if signal.getsignal(signal.SIGINT) in (signal.SIG_DFL, signal.SIG_IGN,
                                           signal.default_int_handler):  # fmt: skip
        raise RuntimeError("no handler of run_entry's for SIGINT")
    signal.raise_signal(signal.SIGINT)  # (its handler runs before this returns)


def _ctrl_c_at_the_sweeps_end(monkeypatch, when: str) -> None:
    """Ctrl-C as the finished sweep writes its HParams experiment (its end's first step), or
    once its end was said (in Hydra's end, after SweepSummary.on_multirun_end)."""
    if when == "as_its_end_is_said":
        write = ended._write_hparams_experiment

        def written_then_stopped(run_dir, *, log_dir, **kwargs):
            write(run_dir, log_dir=log_dir, **kwargs)
            if log_dir is None:  # (the sweep's)
                _ctrl_c()

        monkeypatch.setattr(ended, "_write_hparams_experiment", written_then_stopped)
    else:
        end = ended.SweepSummary.on_multirun_end

        def ended_then_stopped(self, *args, **kwargs):
            end(self, *args, **kwargs)
            _ctrl_c()

        monkeypatch.setattr(ended.SweepSummary, "on_multirun_end", ended_then_stopped)


@pytest.mark.parametrize(("when", "named"), [("as_its_end_is_said", True),
                                             ("after_its_end_was_said", False)])  # fmt: skip
def test_a_finished_sweep_says_nothing_is_left(tmp_path: Path, monkeypatch, when, named) -> None:
    """In a hydra.sweep.dir given, and in one of the clock (multirun/<date>/<time>), whose
    line named it to add for a resume."""
    _ctrl_c_at_the_sweeps_end(monkeypatch, when)
    folder = ["hydra.sweep.dir=sweep"] if named else []
    done = mia_train("-m", "defense=none,weight_decay", *TINY, *folder, cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    (sweep_dir,) = [tmp_path / "sweep"] if named else (tmp_path / "multirun").glob("*/*")
    assert done.stderr.count(FINISHED.format(sweep_dir.relative_to(tmp_path))) == 1, done.stderr
    assert RESUME not in done.stderr and "to resume this sweep" not in done.stderr
    assert "kept:" not in done.stderr  # ('skipped when it resumes': the line above says it)
    assert "Traceback" not in done.stderr


def test_a_sweep_with_a_run_left_to_resume_keeps_its_lines(
    tmp_path: Path, monkeypatch, capsys, sweep_end
) -> None:
    """Its jobs all returned, one of its runs stopped part way (interrupted): resumed by the
    same command, so the kept line and the resume line stay."""
    summary, config = sweep_end.start(tmp_path, runs=[tmp_path / "a", tmp_path / "b"])
    for name, status in (("a", "complete"), ("b", "interrupted")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(
            json.dumps({"schema_version": 1, "status": status}))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ended, "_write_hparams_experiment", interrupted)
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    with pytest.raises(KeyboardInterrupt):
        summary.on_multirun_end(config)
    stopped.say_what_the_sweep_kept()  # (as Hydra's multirun, guarded, does then)
    assert capsys.readouterr().err.startswith("kept: 1 finished run of this sweep")
    assert stopped.interrupted_line() == "interrupted; run the same command again to resume"
