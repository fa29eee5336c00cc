"""``hydra.sweeper.storage`` (a database to keep the Optuna study across restarts, as the
optuna_custom config suggested) under the locked optuna 2.10 and SQLAlchemy 2: optuna's
database storage cannot read its own schema there, and the search stopped with Hydra's
traceback ('assert version is not None', exit 2) before any trial, on every start. It is
refused up front with one line saying why and what resumes a search instead."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from mia_defense.cli.plugin_checks import major_minor

BIN = Path(sys.executable).parent


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
@pytest.mark.skipif(
    major_minor(version("optuna")) >= (3, 1) or major_minor(version("sqlalchemy")) < (2, 0),
    reason="an optuna whose database storage works with this SQLAlchemy",
)
def test_a_database_storage_optuna_cannot_use_is_refused_before_the_search(tmp_path):
    command = [
        str(BIN / "mia-train"), "-m", "hparams_search=optuna_tradeoff", "hydra.sweeper.n_trials=1",
        "plan.num_models=2", "plan.population_size=200", "figures=false", "attack.bootstrap=0",
        f"hydra.sweeper.storage=sqlite:///{tmp_path / 'study.db'}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "ConfigError" in x]
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    assert f"ConfigError: hydra.sweeper.storage={storage!r}: optuna " in line
    assert line.endswith("nothing was run. Leave hydra.sweeper.storage null: the same command "
                         "with the same hydra.sweep.dir resumes the search, skipping its "
                         "finished trials")  # fmt: skip
    assert not (tmp_path / "study.db").exists()
    assert not list((tmp_path / "sweep").glob("*/results.json"))
