"""mia-train interrupted alone (``kill -INT <pid>``, not Ctrl-C to the whole process group)
during a ``launcher=joblib`` sweep: its pool killed the running jobs (SIGKILL) before they
could write so, and their results.json read ``running`` for ever after (mia-report: 'still
running, or killed'). Now they read ``interrupted``, as after a Ctrl-C, and a finished run
of the sweep stays complete (h253)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.helpers import stopped_joblib_sweep

LINE = "interrupted; run the same command again to resume"


def _statuses(sweep: Path) -> dict[str, str]:
    found = {}
    for path in sweep.glob("*/results.json"):
        try:
            found[path.parent.name] = json.loads(path.read_text())["status"]
        except (OSError, ValueError, KeyError):  # (being replaced)
            continue
    return found


@pytest.mark.slow
def test_the_tool_interrupted_alone_marks_its_killed_jobs_interrupted(tmp_path):
    code, stderr, sweep = stopped_joblib_sweep(
        tmp_path, "1,100000", timeout=180,
        ready=lambda sweep: sorted(_statuses(sweep).values()) == ["complete", "running"],
        stop=lambda pid: os.kill(pid, signal.SIGINT),  # the tool alone, not its workers
    )
    assert code == 130, stderr[-3000:]
    assert stderr.count(LINE) == 1 and "Traceback" not in stderr, stderr[-3000:]
    assert ("kept: 1 finished run of this sweep (skipped when it resumes); lost: the training "
            "of 1 run stopped part way with no trained model saved yet") in stderr, stderr[-3000:]
    statuses = _statuses(sweep)
    assert sorted(statuses.values()) == ["complete", "interrupted"], statuses
