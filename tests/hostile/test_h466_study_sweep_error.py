"""Study 1's script given a misspelt override (``experiments/digits_tradeoff/run.sh ROOT
trian.epochs=1``) said only 'sweep training failed: see ROOT/training.log', once per sweep:
the key and its fix were in the logs alone. Each failed sweep's line now ends with the error
its log ends on. mia-train stands in as a script (BIN): no sweep is run."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAID = ("ConfigError: trian.epochs=1: no config group or key 'trian' (Key 'trian' is not in "
        "struct); did you mean 'train'?")  # fmt: skip

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")


def _study(tmp_path: Path, log_lines: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "mia-train"
    said = tmp_path / "said.txt"
    said.write_text(log_lines)
    # (the study's check of the overrides, --cfg job, passes: h477; each sweep fails)
    fake.write_text(f"#!/bin/sh\n[ \"$1\" = --cfg ] && exit 0\ncat '{said}' >&2\nexit 2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "BIN": str(bin_dir), "HERE": str(tmp_path / "here")}
    return subprocess.run(
        ["bash", str(REPO / "experiments/digits_tradeoff/run.sh"), str(tmp_path / "root"),
         "trian.epochs=1"], capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("line", [
    f"[2026-12-07 10:25:00,000][mia_defense.cli.train][ERROR] - {SAID}\n",
    f"some lines\n{SAID}\n",
])  # fmt: skip
def test_a_failed_sweep_names_its_error(tmp_path, line):
    done = _study(tmp_path, line)
    assert done.returncode == 1, done.stderr
    for name in ("training", "dp", "release"):
        assert f"sweep {name} failed: {SAID} (groups" not in done.stderr  # (the line as given)
        assert f"sweep {name} failed: {SAID}: see {tmp_path / 'root'}/{name}.log" \
            in done.stderr, done.stderr
    assert "[ERROR]" not in done.stderr


def test_a_failed_sweep_without_an_error_line_points_at_its_log(tmp_path):
    done = _study(tmp_path, "killed\n")
    assert done.returncode == 1
    assert f"sweep training failed: see {tmp_path / 'root'}/training.log" in done.stderr
