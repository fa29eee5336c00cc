"""mia-train's sweep code (`run_files`) and mia-report (`_run_dirs`) walk a sweep's folders
by one walker (`walk_run_folders`): the runs one finds are the other's."""

from __future__ import annotations

from mia_defense.files import run_files
from mia_defense.report.runs import _run_dirs


def test_the_sweep_code_finds_the_runs_mia_report_finds(tmp_path):
    # a run linked in from outside the sweep holds a run two folders down (a sweep of its own
    # with subdir=${hydra.job.num}/run): mia-report ranked it, run_files stopped at the folder
    # between them (outside the root, no results.json) and the sweep's code missed it
    root, outside = tmp_path / "sweep", tmp_path / "elsewhere"
    for run in (root / "a", outside / "b", outside / "b" / "0" / "run"):
        run.mkdir(parents=True)
        (run / "results.json").write_text("{}")
    (outside / "c" / "src").mkdir(parents=True)  # no run: its link is not followed
    (root / "b").symlink_to(outside / "b", target_is_directory=True)
    (root / "c").symlink_to(outside / "c", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "again").symlink_to(root / "a", target_is_directory=True)
    runs, unreadable = _run_dirs(root)
    assert runs == [root / "a", root / "b", root / "b" / "0" / "run"] and not unreadable
    assert sorted(path.parent for path in run_files(root)) == runs
