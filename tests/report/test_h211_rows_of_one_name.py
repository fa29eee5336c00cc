"""Rows of one dataset and model never share a name: rows whose runs' folders hold no
``key=value`` item (single runs in outputs/DATE/TIME, numbered job folders) were each named
after their family, so two rows of other settings read the same in the printed front, the
summary's front table, tradeoff.csv's run column and the charts' legends.

Measured: four single runs in outputs/2026-12-05/08-0X-00 (train.lr 0.1 and 0.01, seeds 0
and 1): two rows, both named "2026-12-05/no defense"; only tradeoff.csv's hyperparameters
column, which the front does not show, told which was which.
"""

from __future__ import annotations

import csv

from mia_defense.cli.report import main
from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def _single_runs(root):
    day = root / "outputs" / "2026-12-05"
    for minute, (lr, seed, acc, signal) in enumerate(
        [(0.1, 0, 0.90, 3.0), (0.1, 1, 0.91, 3.1), (0.01, 0, 0.80, 0.5), (0.01, 1, 0.81, 0.4)]
    ):
        make_run(day / f"08-0{minute}-00", test_accuracy=acc, signal=signal, seed=seed,
                 config={"train.lr": lr})  # fmt: skip
    return root / "outputs"


def test_rows_of_one_family_are_named_by_what_tells_them_apart(tmp_path, capsys):
    outputs = _single_runs(tmp_path)
    out = tmp_path / "out"
    assert main([str(outputs), "-o", str(out), "--no-tensorboard", "--no-charts"]) == 0
    with (out / "tradeoff.csv").open() as handle:
        names = {row["hyperparameters"]: row["run"] for row in csv.DictReader(handle)}
    assert names == {
        "train.lr=0.1": "2026-12-05/no defense (train.lr=0.1)",
        "train.lr=0.01": "2026-12-05/no defense (train.lr=0.01)",
    }
    printed = capsys.readouterr().out
    assert "1. 2026-12-05/no defense (train.lr=0.01)  acc 0.805" in printed
    assert "2. 2026-12-05/no defense (train.lr=0.1)  acc 0.905" in printed
    summary = (out / "README.md").read_text()
    assert "`2026-12-05/no defense (train.lr=0.01)`" in summary


def test_rows_of_an_optimizer_of_ones_own_are_told_apart_by_its_class(tmp_path):
    """Rows that differ only in an optimizer's ``_target_`` (which results.json's hparams
    leave out) show it in their hyperparameters and name: they were alike in every column."""
    day = tmp_path / "outputs" / "d"
    for i, (target, seed) in enumerate([("AdamW", 0), ("AdamW", 1), ("SGD", 0), ("SGD", 1)]):
        optimizer = {"_target_": f"torch.optim.{target}"}
        make_run(day / f"t{i + 1}", test_accuracy=0.9 - 0.1 * (i // 2), signal=3.0 - i // 2,
                 seed=seed, config={"train.optimizer": optimizer})  # fmt: skip
    report = write_report([tmp_path / "outputs"], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert [g.n for g in report.groups] == [2, 2]
    assert [g.hyperparameters for g in report.groups] == [
        {"train.optimizer._target_": "torch.optim.AdamW"},
        {"train.optimizer._target_": "torch.optim.SGD"},
    ]
    assert [g.name for g in report.groups] == [
        "d/no defense (train.optimizer._target_=torch.optim.AdamW)",
        "d/no defense (train.optimizer._target_=torch.optim.SGD)",
    ]


def test_rows_told_apart_by_nothing_shown_take_a_run_name(tmp_path):
    """Rows whose settings differ only where the hyperparameters column shows nothing (the
    observations file mia-attack attacked, its ``source``) take their first run's name."""
    day = tmp_path / "outputs" / "d"
    for i, (source, seed) in enumerate([("a", 0), ("a", 1), ("b", 0), ("b", 1)]):
        make_run(day / f"t{i + 1}", test_accuracy=0.9 - 0.1 * (i // 2), signal=3.0 - i // 2,
                 seed=seed, config={"source": f"/data/{source}.npz"})  # fmt: skip
    report = write_report([tmp_path / "outputs"], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert [g.n for g in report.groups] == [2, 2]
    assert [g.hyperparameters for g in report.groups] == [{}, {}]
    assert [g.name for g in report.groups] == ["d/no defense (d/t1)", "d/no defense (d/t3)"]


def test_rows_of_other_datasets_keep_their_names(tmp_path):
    """One name on two fronts (two datasets) tells nothing apart that the front does not."""
    day = tmp_path / "outputs" / "d"
    make_run(day / "t1", test_accuracy=0.9, signal=3.0)
    make_run(day / "t2", test_accuracy=0.8, signal=0.3, dataset="breast_cancer")
    report = write_report([tmp_path / "outputs"], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert [g.name for g in report.groups] == ["d/t1", "d/t2"]
