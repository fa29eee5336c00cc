"""Study 2's script (purchase_tradeoff/run.sh) runs study 1's (digits_tradeoff/run.sh), so
its refusals of an override given as ROOT, or of a key the study sweeps, named study 1's
script: 'experiments/digits_tradeoff/run.sh: ROOT train.epochs=1 looks like a Hydra
override ... Give the sweep root first (experiments/digits_tradeoff/run.sh ROOT ...)',
advice that would run the other study. They now name the script the user ran. The tools
are stand-ins."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.test_study_script import REPO, stand_in_tools

SCRIPT = "experiments/purchase_tradeoff/run.sh"


@pytest.mark.parametrize(
    "args, said",
    [(["train.epochs=1"], "ROOT train.epochs=1 looks like a Hydra override"),
     (["ROOT", "defense=[dp]"], "defense=[dp]: the study sweeps defense itself")],
)  # fmt: skip
def test_study_2_refusals_name_study_2s_script(tmp_path, args, said):
    bin_dir, calls = stand_in_tools(tmp_path)
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0"}
    env.pop("STUDY_SCRIPT", None)
    args = [str(tmp_path / "root") if arg == "ROOT" else arg for arg in args]
    folder = REPO / args[0]
    if folder.exists() and args[0] == "train.epochs=1":
        pytest.skip(f"{folder} exists (a folder of that name is taken as ROOT)")
    try:
        done = subprocess.run(
            ["bash", SCRIPT, *args], cwd=REPO, capture_output=True, text=True, env=env,
            timeout=60,
        )  # fmt: skip
    finally:
        if args[0] == "train.epochs=1":
            shutil.rmtree(folder, ignore_errors=True)  # (made only without the refusal)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stderr.startswith(f"{SCRIPT}: {said}"), done.stderr
    assert "digits_tradeoff" not in done.stderr
    assert not list(calls.iterdir())
