"""Study 5's audit.py gave every run under its root a row, sorted by ε: two runs of one
target ε (a sweep over seeds beside the study's, `run.sh ROOT seed=0,1`, or a root that
also holds an earlier sweep of other settings) made two rows with the same target ε and no
column telling them apart, and the chart drew a zigzag between them. Such a root is now
refused, naming both runs, as studies 3 and 4 refuse two runs of one row."""

from __future__ import annotations

import pytest

from tests.test_study_dp_audit import _write, audit


def test_two_runs_of_one_target_epsilon_are_refused_naming_both(tmp_path):
    root = tmp_path / "root"
    _write(root, 1.0)
    first = _write(root, 8.0)
    first.rename(first.with_name(f"{first.name},seed=0"))
    second = _write(root, 8.0)
    second.rename(second.with_name(f"{second.name},seed=1"))
    with pytest.raises(SystemExit) as exc:
        audit.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert message.startswith(f"audit.py: error: {root}: two runs of target ε 8 (") and (
        "defense.dp.target_epsilon=8,seed=0 and defense.dp.target_epsilon=8,seed=1" in message
    )
    assert not (tmp_path / "out").exists()
