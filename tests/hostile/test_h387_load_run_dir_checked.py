"""h387: api.load_observations(RUN_DIR) read an observations.npz replaced after the run
(another run's copied over it: python /tmp/h387/rundir.py) as the run's, without a word,
where mia-attack of the same folder refuses it; and so a run folder not complete. It now
reads a run directory with mia-attack's reader (attack_source.read_source) and its checks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from mia_defense.observations import Observations


def test_a_run_directorys_replaced_observations_are_refused(fast_run, tmp_path) -> None:
    run = shutil.copytree(fast_run.run_dir, tmp_path / "run")
    own = api.load_observations(run)  # the run's own: read
    Observations.load(run / "observations.npz").save(run / "observations.npz",
                                                     note=np.arange(3))  # fmt: skip
    with pytest.raises(DataError, match=r"observations\.npz: its sha256 differs from the one "
                       r"results\.json records"):
        api.load_observations(run)
    again = api.load_observations(run / "observations.npz")  # the file alone: read
    np.testing.assert_array_equal(again.log_probs, own.log_probs)


def test_a_run_directory_not_complete_is_refused(fast_run, tmp_path) -> None:
    run = shutil.copytree(fast_run.run_dir, tmp_path / "run")
    results = json.loads((run / "results.json").read_text())
    results["status"] = "failed"
    (run / "results.json").write_text(json.dumps(results))
    with pytest.raises(DataError, match=r"status 'failed'"):
        api.load_observations(run)
