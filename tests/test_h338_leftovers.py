"""Small leftovers of the review (h338)."""

from __future__ import annotations

from mia_defense.files import run_files
from mia_defense.report.runs import _run_dirs


def test_a_folder_named_results_json_is_no_runs_results_file(tmp_path):
    # run_files and mia-report's walk took a folder of that name for a run's results.json
    (tmp_path / "run" / "results.json").mkdir(parents=True)
    (tmp_path / "run" / "train.log").mkdir()
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "results.json").write_text("{}")
    (tmp_path / "ok" / "train.log").write_text("")
    assert run_files(tmp_path) == [tmp_path / "ok" / "results.json"]
    assert run_files(tmp_path, "train.log") == [tmp_path / "ok" / "train.log"]
    assert _run_dirs(tmp_path) == ([tmp_path / "ok"], [])
