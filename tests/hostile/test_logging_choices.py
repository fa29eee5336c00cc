"""Hydra's other logging configs (``hydra/job_logging=disabled|none|stdout``) run as Hydra
documents them. The stderr console was merged into whatever logging was selected, which
gave ``disabled`` and ``none`` a handler without a class: a traceback, no run."""

from __future__ import annotations

import pytest

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
@pytest.mark.parametrize(
    "choice",
    ["hydra/job_logging=disabled", "hydra/job_logging=none", "hydra/hydra_logging=none"],
)
def test_a_quieter_logging_choice_runs(tmp_path, choice):
    done = mia_train(*TINY, *LEAN_ATTACKS, choice, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("test accuracy")
    assert (tmp_path / "run" / "results.json").is_file()


@pytest.mark.slow  # several runs or a subprocess (1.5-3 s): make test-slow
def test_log_lines_go_where_the_logging_choice_sends_them(tmp_path):
    default = mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=a", cwd=tmp_path)
    assert default.returncode == 0, default.stderr[-2000:]
    assert default.stdout.startswith("test accuracy")  # the table alone on stdout
    assert "[INFO] - " in default.stderr and (tmp_path / "a" / "train.log").is_file()
    stdout = mia_train(*TINY, *LEAN_ATTACKS, "hydra/job_logging=stdout", "hydra.run.dir=b",
                       cwd=tmp_path)  # fmt: skip
    assert stdout.returncode == 0, stdout.stderr[-2000:]
    assert "the attacks are judged on" in default.stderr  # a warning of these tiny runs
    assert "the attacks are judged on" in stdout.stdout and not stdout.stderr


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("hydra.job_logging.root.level=LOUD", "hydra.job_logging.root.level='LOUD': not a logging"),
        ("hydra.hydra_logging.root.level=info", "hydra.hydra_logging.root.level='info'"),
        ("hydra.job_logging.root.handlers=[console,nope]", "names handler 'nope', which"),
        ("hydra.job_logging.handlers.console.formatter=fancy", "names formatter 'fancy'"),
        ("+hydra.job_logging.handlers.extra.level=INFO", "handlers.extra: no class"),
        # an entry that is no mapping: dictConfig's ValueError traceback
        ("+hydra.job_logging.handlers.x=abc", "hydra.job_logging.handlers.x='abc': not a mapping"),
        ("+hydra.job_logging.formatters.y=7", "hydra.job_logging.formatters.y=7: not a mapping"),
        ("hydra.job_logging.root=loud", "hydra.job_logging.root='loud': not a mapping"),
    ],
)
def test_a_logging_config_logging_would_refuse_is_refused_before_the_run_directory(
    tmp_path, setting, said
):
    done = mia_train(*TINY, *LEAN_ATTACKS, setting, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()  # (its log file was written there before)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_mia_attack_runs_with_a_quieter_logging_choice(tmp_path):
    from tests.helpers import mia_attack

    assert mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path).returncode == 0
    done = mia_attack("run", *LEAN_ATTACKS, "hydra/job_logging=disabled", "hydra.run.dir=again",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "again" / "results.json").is_file()
