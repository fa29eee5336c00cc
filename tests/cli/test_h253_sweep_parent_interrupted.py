"""mia-train interrupted alone (``kill -INT <pid>``, not Ctrl-C to the whole process group)
during a ``launcher=joblib`` sweep: its pool killed the running jobs (SIGKILL) before they
could write so, and their results.json read ``running`` for ever after (mia-report: 'still
running, or killed'). Now they read ``interrupted``, as after a Ctrl-C, and a finished run
of the sweep stays complete (h253)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS

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
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    tool = Path(sys.executable).with_name("mia-train")
    sweep = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    with (tmp_path / "err").open("w") as err:
        started = subprocess.Popen(
            [str(tool), "-m", "launcher=joblib", "plan.num_models=2", "progress=false",
             "train.epochs=1,100000", *LEAN_ATTACKS, f"hydra.sweep.dir={sweep}"],
            stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True,
            cwd=tmp_path,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            while sorted(_statuses(sweep).values()) != ["complete", "running"]:
                assert time.monotonic() < deadline and started.poll() is None
                time.sleep(0.2)
            os.kill(started.pid, signal.SIGINT)  # the tool alone, not its workers
            code = started.wait(timeout=60)
        finally:
            if started.poll() is None:
                os.killpg(started.pid, signal.SIGKILL)
    stderr = (tmp_path / "err").read_text()
    assert code == 130, stderr[-3000:]
    assert stderr.count(LINE) == 1 and "Traceback" not in stderr, stderr[-3000:]
    assert ("kept: 1 finished run of this sweep (skipped when it resumes) and the saved "
            "models of 1 run stopped part way") in stderr, stderr[-3000:]
    statuses = _statuses(sweep)
    assert sorted(statuses.values()) == ["complete", "interrupted"], statuses
