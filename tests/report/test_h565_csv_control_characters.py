"""A config value holding a NUL or a terminal's escape code reaches the report's CSVs as a
space, as it reaches its Markdown.

Measured (mia-report of a run whose config held train.tag "x\\0y\\x1b[31mred"): tradeoff.csv
and runs.csv held the NUL and the escape code as they were; sqlite3's `.import` cut the
cell at the NUL ("train.tag=x"), and `cat runs.csv` turned the terminal red. Line breaks and
tabs stay: CSV quotes them.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def test_control_characters_in_config_values_are_spaces_in_the_csvs(tmp_path):
    root = tmp_path / "sweep"
    hostile = {"train.tag": "x\x00y\x1b[31mred\x7f\x9b", "train.note": "two\nlines\tand tab"}
    make_run(root / "a", test_accuracy=0.9, signal=3.0, config=hostile)
    make_run(root / "b", test_accuracy=0.8, signal=0.3, seed=1,
             config={"train.tag": "plain", "train.note": "plain"})  # fmt: skip
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    for name in ("tradeoff.csv", "runs.csv"):
        raw = (tmp_path / "out" / name).read_bytes()
        assert b"\x00" not in raw and b"\x1b" not in raw and b"\x7f" not in raw
        with (tmp_path / "out" / name).open(newline="", encoding="utf-8") as handle:
            row = next(r for r in csv.DictReader(handle) if r["run"] == "a")
        assert "train.tag=x y [31mred  " in row["hyperparameters"]
        assert "train.note=two\nlines\tand tab" in row["hyperparameters"]
