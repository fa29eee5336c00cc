"""A ``$`` in what the user hands `make run`, `make report` and `make tb` (ARGS, SWEEP, RUN):
make read it as one of its own variables first (h409)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make here")


def _venv(tmp_path: Path) -> Path:
    """A stand-in venv (its install taken as done): each tool writes the arguments it got."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()
    for tool in ("python", "mia-train", "mia-report", "tensorboard"):
        script = venv / "bin" / tool
        script.write_text("#!/usr/bin/env python3\nimport json, sys\n"
                          f"open({str(tmp_path / 'argv.json')!r}, 'w').write("
                          "json.dumps(sys.argv[1:]))\n")  # fmt: skip
        script.chmod(0o755)
    return venv


def _make(tmp_path: Path, *args: str) -> list[str]:
    venv = _venv(tmp_path)
    done = subprocess.run(
        ["make", "-o", f"{venv}/.installed", f"VENV={venv}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "argv.json").read_text())


@pytest.mark.parametrize(("target", "variable"), [("report", "SWEEP"), ("tb", "RUN")])
def test_a_folder_with_a_dollar_reaches_the_tool_whole(tmp_path, target, variable):
    # make report SWEEP='runs/$x': make read $x as its variable x (empty) and the report of
    # 'runs/' went to runs/report, beside the run asked for
    folder = str(tmp_path / "runs é" / "$x it's")
    argv = _make(tmp_path, target, f"{variable}={folder}")
    assert argv[-1] == folder


def test_args_reach_the_shell_as_written(tmp_path, monkeypatch):
    # make run ARGS='cache_dir=$HOME/models': make read $H (empty), and the run got
    # cache_dir=OME/models, a store under the folder it was started in
    monkeypatch.setenv("HOME", "/home/h409")
    argv = _make(tmp_path, "run", "ARGS=cache_dir=$HOME/models 'hydra.run.dir=/tmp/$x y'")
    assert argv == ["cache_dir=/home/h409/models", "hydra.run.dir=/tmp/$x y"]
