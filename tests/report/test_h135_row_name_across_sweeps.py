"""A row whose seeds come from two sweep folders keeps the items that tell it from other rows.

Measured (mia-report of two digits sweeps, `defense=none,dropout` at seed 0 in one folder and
`defense=none,dropout seed=1,2` in another): both rows were named
`plan.num_models=4,train.epochs=3`, the `defense=...` item lost because the first run's item
carried its folder (`sw/defense=none`), which no run of the other folder shares.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def test_rows_of_seeds_from_two_sweeps_keep_their_defense_in_their_name(tmp_path):
    first, second = tmp_path / "sw", tmp_path / "sw2"
    for defense, signal in (("none", 3.0), ("dropout", 1.0)):
        make_run(first / f"defense={defense},train.epochs=3", test_accuracy=0.8,
                 signal=signal, defense=defense, seed=0)  # fmt: skip
        for seed in (1, 2):
            make_run(second / f"defense={defense},seed={seed},train.epochs=3",
                     test_accuracy=0.8, signal=signal, defense=defense, seed=seed)  # fmt: skip
    report = write_report([first, second], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert sorted(g.n for g in report.groups) == [3, 3]
    names = {g.family: g.name for g in report.groups}
    assert names == {"no defense": "defense=none,train.epochs=3",
                     "dropout": "defense=dropout,train.epochs=3"}  # fmt: skip
    labels = {g.family: g.label for g in report.groups}
    assert labels == {"no defense": "defense=none", "dropout": "defense=dropout"}
    with (tmp_path / "out" / "tradeoff.csv").open() as handle:
        assert sorted(row["run"] for row in csv.DictReader(handle)) == sorted(names.values())
