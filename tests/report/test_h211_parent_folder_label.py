"""Runs read through ``..`` are named after the folder it is: ``mia-report . ..`` in a
sweep's run folder named the sweep's runs ``../train.lr=0.1`` in the front, the tables and
the charts (Path.absolute keeps ``..``), a path that means nothing in the report's folder."""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import two_run_sweep


def test_runs_read_through_dot_dot_are_named_after_the_folder(tmp_path, monkeypatch):
    root = two_run_sweep(tmp_path / "sweep")
    monkeypatch.chdir(root / "a")
    report = write_report([".", ".."], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert sorted(s.name for s in report.summaries) == ["a", "sweep/b"]
