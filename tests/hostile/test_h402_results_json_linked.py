"""mia-report ranked a folder whose results.json is a link to another run's as that run, and
set the run itself aside: a folder 'only' holding nothing but results.json -> ../x/run's, read
beside x/run (mia-report on their sweep folder), was ranked on the Pareto front as 'only' while
x/run went under 'Runs not ranked' as 'the same experiment as only ... counted once' (the
folders are read in name order, and 'only' comes first), though a linked run folder is named by
its folder ('links to ..., already read'). The run is now read under its own folder, whatever
the names, and the folder linking to its results.json is skipped, saying so."""

from __future__ import annotations

import os

from mia_defense.report.runs import load_runs
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run


def test_a_results_json_linked_from_another_folder_is_read_once_under_its_own(tmp_path):
    run_dir = tmp_path / "x" / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    (tmp_path / "only").mkdir()
    os.symlink(os.path.join("..", "x", "run", RESULTS), tmp_path / "only" / RESULTS)

    loaded = load_runs([tmp_path])

    assert [r.name for r in loaded.runs] == ["x/run"]
    assert not loaded.unranked
    ((where, reason),) = loaded.skipped
    assert where == tmp_path / "only"
    assert reason == (f"its {RESULTS} links to {(run_dir / RESULTS).resolve()}, the {RESULTS} "
                      f"of {run_dir}, read as that run: one run's figures, counted once; "
                      "remove the link")


def test_a_results_json_linked_within_its_own_folder_is_read_as_before(tmp_path):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    (run_dir / RESULTS).rename(run_dir / "results.kept.json")
    os.symlink("results.kept.json", run_dir / RESULTS)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"] and not loaded.skipped
