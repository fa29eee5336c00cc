"""Data holding exact copies among the samples a run uses (digits saved twice over and read
with dataset=npz: RMIA's TPR@0.1%FPR 0.0293 once, the strongest attack's 0.0194 twice over)
was said in the log only: results.json had no word of it and mia-report ranked the run as
any other, more private on paper. results.json now counts them (``data_duplicates``) and
mia-report gives the caveat."""

from __future__ import annotations

import json

import numpy as np

from mia_defense.report.checks import caveats
from mia_defense.report.checks.notes import duplicates_note
from tests.conftest import TINY
from tests.helpers import mia_train, overridden


def _digits_like(path, *, copies: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(250, 8)).astype(np.float32)
    y = np.arange(250) % 2
    np.savez(path, x=np.concatenate([x] * copies), y=np.concatenate([y] * copies))


def _results(tmp_path, copies: int) -> dict:
    data = tmp_path / f"d{copies}.npz"
    _digits_like(data, copies=copies)
    run = tmp_path / f"run{copies}"
    done = mia_train(*overridden(TINY, "plan.population_size=200"), "dataset=npz",
                     f"dataset.path={data}", "attack.bootstrap=0", f"hydra.run.dir={run}",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((run / "results.json").read_text())


def test_results_json_counts_the_copies_and_mia_report_gives_the_caveat(tmp_path):
    twice = _results(tmp_path, copies=2)
    count = twice["data_duplicates"]
    used = twice["population_size"] + twice["test_size"]
    assert 0 < count <= used  # 500 records, each twice: the plan's 500 draw many of both
    assert any(c.startswith(f"{count} of the samples it used have an exact copy")
               for c in caveats(twice))
    once = _results(tmp_path, copies=1)
    assert once["data_duplicates"] == 0
    assert duplicates_note(once) is None


def test_what_is_no_positive_count_gives_no_caveat():
    for value in (0, -1, True, "4", 4.0, None):
        assert duplicates_note({"data_duplicates": value}) is None, value
    assert duplicates_note({}) is None  # runs of earlier versions
    assert duplicates_note({"data_duplicates": 3}).startswith("3 of the samples it used")
