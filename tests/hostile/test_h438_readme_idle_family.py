"""README said mia-report marks an idle defense's family ``(did not act)`` "on the fronts
(and its point on the charts)"; since 25ee1c4f tradeoff.md's ``family`` column, the charts'
legend and caption say it too, while tradeoff.csv's ``family`` keeps the bare name to group
by. README says where it is marked and where not; checked here against mia-report's files
of an early-stopping run that never acted (`tests.conftest.idle_early_stopping_runs`)."""

from __future__ import annotations

import csv
from pathlib import Path

from mia_defense.report import write_report

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_says_where_the_family_is_marked(idle_early_stopping_runs, tmp_path):
    said = " ".join(README.read_text(encoding="utf-8").split())
    assert ("marks its family `(did not act)` (`(did not act in 2 of 4 models)` where it acted "
            "in the others) on the fronts, in tradeoff.md's `family` column and on the charts "
            "(its point, legend entry and caption; tradeoff.csv's `family` keeps the bare "
            "name") in said  # fmt: skip
    report = write_report([idle_early_stopping_runs], out_dir=tmp_path / "report",
                          tensorboard=False, charts=False)  # fmt: skip
    table = report.files["markdown"].read_text(encoding="utf-8")
    assert "| early_stopping (did not act) |" in table
    with open(report.files["csv"], newline="", encoding="utf-8") as handle:
        assert {r["family"] for r in csv.DictReader(handle)} == {"early_stopping", "no defense"}
