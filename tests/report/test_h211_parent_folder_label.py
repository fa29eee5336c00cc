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


def test_a_folder_given_twice_is_read_once_under_its_own_name(tmp_path):
    """``mia-report sweep sweep/`` (or a link to it): one root, its runs named as for one
    (the two roots of one label were told apart by their whole paths)."""
    root = two_run_sweep(tmp_path / "sweep")
    (tmp_path / "link").symlink_to(root)
    for given in ([root, root], [root, f"{root}/"], [root, tmp_path / "link"]):
        report = write_report(given, out_dir=tmp_path / "out", tensorboard=False, charts=False)
        assert sorted(s.name for s in report.summaries) == ["a", "b"]
    report = write_report([root, tmp_path / "other"], out_dir=tmp_path / "out2",
                          tensorboard=False, charts=False)  # fmt: skip
    assert sorted(s.name for s in report.summaries) == ["sweep/a", "sweep/b"]
