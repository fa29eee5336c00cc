"""A sweep whose every run is complete but has no privacy verdict (all at chance).

Measured (mia-report of three complete runs at test accuracy 0.05, chance 0.1): it said 'no
finished run to rank (0 skipped, 3 not ranked; ...); point mia-report at sweep roots or run
directories holding complete runs', sending the user to look for runs that were there and
complete.
"""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def test_runs_all_without_a_verdict_are_said_to_be_read(tmp_path):
    root = tmp_path / "sweep"
    for i in range(3):
        make_run(root / f"train.lr={i}", test_accuracy=0.05, signal=1.0, seed=i)
    with pytest.raises(DataError) as info:
        write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    message = str(info.value)
    assert f"{root}: no run to rank: all 3 runs read, none with a privacy verdict (first: " \
        "train.lr=0: test accuracy 0.050 is not above chance" in message  # fmt: skip
    assert "holding complete runs" not in message
    assert "models learn (test accuracy above chance)" in message
    assert not (tmp_path / "out" / "tradeoff.csv").exists()


def test_a_broken_run_beside_them_keeps_the_old_message(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.05, signal=1.0)
    (root / "b").mkdir()
    (root / "b" / "results.json").write_text("{")
    with pytest.raises(DataError, match=r"no finished run to rank \(1 skipped, 1 not ranked"):
        write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
