"""mia-report stopped by SIGTERM (kill, a job scheduler's time limit) died of it at once, exit
-15 without a word, leaving its staging folders and, while it moved its files in,
INCOMPLETE.txt (a SIGTERM as README.md appeared in its staging folder, /tmp/h461/rphase.py),
where Ctrl-C ends it with its one line and exit 130. SIGTERM now ends it as Ctrl-C does
(as mia-train's), exit 143, and the caller's SIGTERM handler is put back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import os, signal
from mia_defense.cli import report

def _main(argv):  # (the report at work when the signal comes)
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100000):
        pass
    return 0

report._main = _main
code = report.main([])
print(code, signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
"""


def test_sigterm_ends_mia_report_as_ctrl_c_does():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["143", "True"]
    assert done.stderr.strip() == (
        "mia-report: interrupted; the runs were only read, and each report file is whole (the "
        "new one or the one before); run the same command again"
    )
