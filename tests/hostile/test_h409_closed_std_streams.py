"""A tool started with its stdout or stderr closed (``mia-train >&-``, ``2>&-``, a daemon's
closed descriptors), where Python's ``sys.stdout`` or ``sys.stderr`` is None (h409)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SMALL = ["plan.num_models=2", "train.epochs=2", "plan.reference_size=300",
         "plan.population_size=300", "figures=false"]  # fmt: skip


def _closed(redirect: str, *command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` run with the shell's ``redirect`` (``>&-``: its stdout closed)."""
    line = " ".join(["exec", *(f"'{word}'" for word in command), redirect])
    return subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


@pytest.mark.slow  # a whole mia-train process each (4 s): make test-slow
@pytest.mark.parametrize("redirect", [">&-", "2>&-"])
def test_a_run_ends_whole_with_a_closed_stream(tmp_path, redirect):
    # >&-: the run was written, then its table ended in "AttributeError: 'NoneType' object
    # has no attribute 'write'" (Hydra's traceback, exit 1); 2>&-: the run failed as its
    # progress bar started (results.json: status failed)
    run_dir = tmp_path / "run"
    done = _closed(redirect, str(BIN / "mia-train"), *SMALL, "progress=true",
                   f"hydra.run.dir={run_dir}", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-2000:]
    assert "Traceback" not in said and "NoneType" not in said
    assert json.loads((run_dir / "results.json").read_text())["status"] == "complete"
    if redirect == "2>&-":  # stdout still has the table
        assert "wall time:" in done.stdout
    report = _closed(redirect, str(BIN / "mia-report"), str(run_dir), cwd=tmp_path)
    assert report.returncode == 0, (report.stdout + report.stderr)[-2000:]
    assert (run_dir / "report" / "README.md").is_file()
