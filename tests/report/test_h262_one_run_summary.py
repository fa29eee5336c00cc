"""The report's README.md of a single run opened with "1 runs in 1 rows from ..."."""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def test_a_single_run_is_counted_in_the_singular(tmp_path):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=2.0)
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    text = (tmp_path / "out" / "README.md").read_text()
    assert f"\n1 run in 1 row from `{tmp_path / 'sweep'}`. Utility" in text


def test_several_runs_are_counted_in_the_plural(tmp_path):
    for i in range(3):  # seed replicates: one row
        make_run(tmp_path / "sweep" / f"s{i}", test_accuracy=0.9, signal=2.0, seed=i)
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert "\n3 runs in 1 row from `" in (tmp_path / "out" / "README.md").read_text()
