"""A Ctrl-C that lands as a finished run's process ends (the run's results.json already
complete, `mia-train` exiting 0) printed a traceback: tqdm's exit hook (``_atexit_signal``,
registered as the run trained) was running, and Python printed 'Exception ignored in atexit
callback ... KeyboardInterrupt' under the run's table (seen by a SIGINT sent as the run's
TensorBoard HParams file appeared). Only an interrupted tool ignored a Ctrl-C at its exit
(`_ignore_interrupts`); every tool's exit does now, before the hooks its task registered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, os, signal
from mia_defense.cli.entry import run_entry

def hook():  # (a hook the task registered, as tqdm's monitor is: Ctrl-C lands in it)
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100000):
        pass
    print("hook ended")

def entry():
    atexit.register(hook)

run_entry(entry, started=lambda: True, interrupted="interrupted")
print("finished")
"""


def test_a_ctrl_c_as_a_finished_tool_exits_prints_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
    assert done.stdout.splitlines() == ["finished", "hook ended"]
