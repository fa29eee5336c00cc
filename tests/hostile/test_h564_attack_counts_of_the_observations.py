"""h564: `mia-attack RUN` copied the run's counts (num_models, num_classes, population_size)
from its results.json into the new record. Deleted there by hand (the run's files untouched,
every other check passed), they were recorded as null beside observations that hold them:
the new record without num_classes was left unranked by mia-report. The counts are now the
observations' own, which results.json's are checked against where it states them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.observations import Observations
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_attack

_COUNTS = ("num_models", "num_classes", "population_size")


@pytest.mark.parametrize("key", _COUNTS)
def test_a_count_deleted_from_the_runs_record_is_the_observations_own(fast_run, tmp_path, key):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = json.loads((run / "results.json").read_text())
    del payload[key]
    (run / "results.json").write_text(json.dumps(payload))
    done = mia_attack("run", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    obs = Observations.load(run / "observations.npz")
    held = {"num_models": obs.num_models, "num_classes": obs.num_classes,
            "population_size": len(obs.labels)}  # fmt: skip
    new = read_json(tmp_path / "out" / "results.json")
    assert {k: new[k] for k in _COUNTS} == held
    assert held == {k: fast_run.payload[k] for k in _COUNTS}  # (the run's, as it wrote them)
