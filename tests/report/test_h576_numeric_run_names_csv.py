"""Run folders whose names a spreadsheet reads as numbers keep their names in the CSVs.

Measured (mia-report of runs in folders ``007``, ``1e5``, ``1.50``, ``0x10``, ``-1``):
tradeoff.csv and runs.csv wrote ``007``, ``1e5`` and ``1.50`` bare in the ``run`` and
``runs`` cells, which a spreadsheet opens as the numbers 7, 100000 and 1.5: three runs no
longer matching any folder. Such a cell now starts with ``'``, as one a spreadsheet would
run as a formula does, and the report's README.md says so; names a spreadsheet shows as
they are (``-1``, ``12``, ``0x10``, Hydra's job folders ``0``, ``1``) stay bare.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from mia_defense.report.table import write_csv
from tests.report.fake_runs import make_run

_NAMES = ("007", "1e5", "1.50", "0x10", "-1", "12")


def test_run_names_a_spreadsheet_reads_as_other_numbers_keep_their_text(tmp_path):
    root = tmp_path / "sweep"
    for i, name in enumerate(_NAMES):
        make_run(root / name, test_accuracy=0.9 - 0.05 * i, signal=1.0 + i,
                 config={"train.lr": 0.1 * (i + 1)})  # fmt: skip
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    for table in ("tradeoff.csv", "runs.csv"):
        with (tmp_path / "out" / table).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert sorted(r["run"] for r in rows) == sorted(
            ["'007", "'1e5", "'1.50", "0x10", "-1", "12"])
        assert sorted(r["runs"] for r in rows) == sorted(r["run"] for r in rows)
    assert "`'`" in (tmp_path / "out" / "README.md").read_text(encoding="utf-8")


def test_only_text_a_spreadsheet_would_change_is_marked(tmp_path):
    path = tmp_path / "t.csv"
    cells = ["0", "-3", "0.5", "7 ", "1,000", "50%", "2024-01-31", "3/4", "12:30", "true",
             "(12)", "1_000", "inf", "nan", "x7", "0, 1", "12345678901234567"]
    write_csv(path, ["cell"], [[c] for c in cells])
    with path.open(newline="", encoding="utf-8") as handle:
        written = [row[0] for row in list(csv.reader(handle))[1:]]
    marked = {"7 ", "1,000", "50%", "2024-01-31", "3/4", "12:30", "true", "(12)",
              "12345678901234567"}  # fmt: skip
    assert written == [f"'{c}" if c in marked else c for c in cells]
