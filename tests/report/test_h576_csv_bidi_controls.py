"""A run folder or config value holding a right-to-left override or mark reaches the
report's CSVs as a space, as a C0 control does (test_h565_csv_control_characters).

Measured (mia-report of runs in folders ``b\\u202egnp.exe`` and ``c\\u200f``, a config value
train.tag ``\\u202eevil``): tradeoff.csv and runs.csv held U+202E and U+200F as they were;
`cat runs.csv` showed the rest of each such line right to left, its figures reversed
(0.0437 read 7340.0), while the terminal's summary and the Markdown showed them inert.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidirectional_controls_are_spaces_in_the_csvs(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "b\u202egnp.exe", test_accuracy=0.8, signal=0.3, defense="dropout",
             config={"train.tag": f"x{_BIDI}y"})  # fmt: skip
    make_run(root / "c\u200f", test_accuracy=0.9, signal=3.0, config={"train.tag": "plain"})
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    for name in ("tradeoff.csv", "runs.csv"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert not set(_BIDI) & set(text), name
        with (tmp_path / "out" / name).open(newline="", encoding="utf-8") as handle:
            rows = {r["run"]: r for r in csv.DictReader(handle)}
        assert sorted(rows) == ["b gnp.exe", "c "]
        assert rows["b gnp.exe"]["hyperparameters"] == f"train.tag=x{' ' * len(_BIDI)}y"
