"""A folder given twice is one source of the report, as its runs are read once.

Measured (`mia-report sweep sweep/`, and `mia-report sweep ../x/sweep` from sweep's parent
x): the runs were read once, but the report's README said "2 runs in 2 rows from `sweep`,
`sweep/`": two sources, as if the runs came from two sweeps.
"""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import two_run_sweep


def test_a_folder_given_twice_is_named_once(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    again = tmp_path / "sweep" / ".." / "sweep"
    report = write_report([root, again, root], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    assert [s.name for s in report.summaries] == ["a", "b"]
    summary = (tmp_path / "out" / "README.md").read_text()
    assert f"2 runs in 2 rows from `{root}`. Utility" in summary
