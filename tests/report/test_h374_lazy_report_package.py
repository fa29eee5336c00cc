"""mia_defense.report loads its modules on first use: mia-train's imports of the package
(the end-of-run table, the checks, the objectives) load none of the report's table,
charts and run loading; every exported name still comes from its module."""

from __future__ import annotations

import importlib
import subprocess
import sys

import mia_defense.report as report

# What the report alone uses: mia-train's default run imported them at start-up (40 ms).
_REPORT_ONLY = ("build", "charts", "groups", "table", "runs", "scores", "pareto", "rows",
                "run_record", "folder_checks", "replicates", "out_dir")


def test_mia_train_imports_none_of_the_reports_own_modules():
    code = (
        "import sys; import mia_defense.report.run_table, mia_defense.report.checks, "
        "mia_defense.report.objectives; "
        f"print(sorted(m for m in sys.modules if m.split('.')[2:3] and m.split('.')[2] in "
        f"{_REPORT_ONLY!r} and m.startswith('mia_defense.report.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_exported_name_is_its_modules():
    assert report.__all__ == sorted(report._NAMES) and dir(report) == report.__all__
    for name in report.__all__:
        module = importlib.import_module(f"mia_defense.report.{report._NAMES[name]}")
        assert getattr(report, name) is getattr(module, name), name
    from mia_defense.report import Report, write_report  # (as mia-report imports them)

    assert Report.__module__ == write_report.__module__ == "mia_defense.report.build"
