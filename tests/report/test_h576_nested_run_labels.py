"""A run folder nested in another run's folder leaves the other runs' labels as they were.

Measured (mia-report of a sweep ``lr=0.1,wd=0`` and ``lr=0.2,wd=0``, then again with a
run added in ``lr=0.1,wd=0/extra``): the charts' legends and the fronts labelled the two
runs ``lr=0.1`` and ``lr=0.2``, then ``lr=0.1,wd=0`` and ``lr=0.2,wd=0``: the nested
run's name read as the items ``lr=0.1`` and ``wd=0/extra``, sharing no ``wd=0``, so the
item every run's path holds was no longer dropped.
"""

from __future__ import annotations

from mia_defense.report import write_report
from mia_defense.report.table import short_labels
from tests.report.fake_runs import make_run


def _labels(root, out):
    report = write_report([root], out_dir=out, tensorboard=False, charts=False)
    return {g.name: g.label for g in report.groups}, {s.name: s.label for s in report.summaries}


def test_a_nested_run_leaves_the_other_labels_alone(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "lr=0.1,wd=0", test_accuracy=0.9, signal=3.0)
    make_run(root / "lr=0.2,wd=0", test_accuracy=0.8, signal=1.0)
    rows, runs = _labels(root, tmp_path / "before")
    assert rows == {"lr=0.1,wd=0": "lr=0.1", "lr=0.2,wd=0": "lr=0.2"} and runs == rows
    make_run(root / "lr=0.1,wd=0" / "extra", test_accuracy=0.7, signal=0.3, defense="dropout")
    rows, runs = _labels(root, tmp_path / "after")
    assert rows == {"lr=0.1,wd=0": "lr=0.1", "lr=0.2,wd=0": "lr=0.2",
                    "lr=0.1,wd=0/extra": "lr=0.1/extra"}  # fmt: skip
    assert runs == rows


def test_labels_keep_their_folders_apart():
    assert short_labels(["a=1,b=2", "a=2,b=2", "a=1,b=2/c=3,d=4", "a=1,b=2/c=4,d=4"]) == [
        "a=1", "a=2", "a=1/c=3,d=4", "a=1/c=4,d=4"]  # fmt: skip
    # flat names as before: a shared item is dropped, a name of shared items alone kept
    assert short_labels(["x,k=1", "x,k=2"]) == ["k=1", "k=2"]
    assert short_labels(["k=1/x", "k=1/y"]) == ["x", "y"]
    assert short_labels(["k=1"]) == ["k=1"]


def test_a_path_in_a_row_name_is_no_folder_of_items():
    names = ["no defense (dataset.path=/data/a.csv)", "no defense (dataset.path=/data/b.csv)"]
    assert short_labels(names) == names
