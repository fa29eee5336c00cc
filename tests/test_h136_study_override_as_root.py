"""A study's script takes ROOT first, then OVERRIDEs: `run.sh train.epochs=1` (the ROOT
left out) ran the whole study at its own settings into a folder named 'train.epochs=1' in
the repository, for minutes (study 2: 8), and studies 3-5 then recorded its tables into
experiments/*/results. Such a ROOT (KEY=VALUE with a Hydra key, no such folder) is now
refused before anything runs. The tools are stand-ins."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.test_study_script import REPO, stand_in_tools

SCRIPTS = ["digits_tradeoff/run.sh", "purchase_tradeoff/run.sh", "naive_vs_adaptive/run.sh",
           "reference_models/run.sh", "dp_audit/run.sh", "dp_audit/one_run.sh"]  # fmt: skip


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("root", ["train.epochs=1", "+attack.canaries.num=10"])
def test_an_override_given_as_root_is_refused_before_anything_runs(tmp_path, script, root):
    folder = REPO / root
    if folder.exists():
        pytest.skip(f"{folder} exists (a folder of that name is taken as ROOT)")
    bin_dir, calls = stand_in_tools(tmp_path)
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0",
           "HERE": str(tmp_path / "here")}  # fmt: skip
    try:
        done = subprocess.run(
            ["bash", str(REPO / "experiments" / script), root],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        made = folder.exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # (made only without the fix)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"ROOT {root} looks like a Hydra override, not a folder" in done.stderr
    assert "nothing was run" in done.stderr
    assert not list(calls.iterdir()) and not made
