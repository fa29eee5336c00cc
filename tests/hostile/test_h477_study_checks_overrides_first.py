"""Study 1's script (and study 2's, which runs it) given a misspelt override
(``experiments/digits_tradeoff/run.sh ROOT trian.epochs=1``) made ROOT and ran its three
sweeps, each failing on the same key: three errors for one typo. The overrides are now
checked once (``mia-train --cfg job``) before anything runs: one refusal, no folder made.
mia-train stands in as a script (BIN) that refuses the key like the real one: nothing runs."""

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


def _study(
    tmp_path: Path, script: str, *overrides: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Runs SCRIPT with a stand-in mia-train refusing any argument starting 'trian.' (as
    mia-train does) and passing the rest without running anything; gives the calls made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    said = tmp_path / "said.txt"
    said.write_text(f"[2026-12-07 11:00:00,000][mia_defense.cli.train][ERROR] - {SAID}\n")
    fake = bin_dir / "mia-train"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo \"$*\" >>'{calls}'\n"
        "for a in \"$@\"; do case $a in trian.*)\n"
        f"  cat '{said}' >&2; exit 2;;\n"
        "esac; done\n"
        "exit 0\n"
    )  # fmt: skip
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    (bin_dir / "mia-report").symlink_to(fake)
    env = {**os.environ, "BIN": str(bin_dir), "HERE": str(tmp_path / "here"), "RECORD": "0"}
    done = subprocess.run(
        ["bash", str(REPO / script), str(tmp_path / "root"), *overrides],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    return done, calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize("script", ["experiments/digits_tradeoff/run.sh",
                                    "experiments/purchase_tradeoff/run.sh"])  # fmt: skip
def test_a_misspelt_override_is_refused_once_before_any_sweep(tmp_path, script):
    done, calls = _study(tmp_path, script, "train.epochs=1", "trian.epochs=1")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count(SAID) == 1, done.stderr
    assert f"{SAID}; nothing was run (each OVERRIDE goes to every run" in done.stderr
    assert "sweep " not in done.stderr and "[ERROR]" not in done.stderr
    assert not (tmp_path / "root").exists()
    assert len(calls) == 1 and calls[0].startswith("--cfg job "), calls
    assert "-m" not in calls[0].split()


def test_good_overrides_are_checked_then_run(tmp_path):
    done, calls = _study(tmp_path, "experiments/digits_tradeoff/run.sh", "train.epochs=1")
    assert done.returncode == 0, done.stderr
    assert calls[0].startswith("--cfg job ") and calls[0].endswith("train.epochs=1")
    sweeps = [c for c in calls if c.startswith("-m ")]
    assert len(sweeps) == 4 and all("train.epochs=1" in c for c in sweeps), calls


def test_no_overrides_no_check(tmp_path):
    done, calls = _study(tmp_path, "experiments/digits_tradeoff/run.sh")
    assert done.returncode == 0, done.stderr
    assert not [c for c in calls if c.startswith("--cfg")], calls
