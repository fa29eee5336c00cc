"""mia-train or mia-attack started in a directory that no longer exists (deleted, or
moved away, after the shell entered it) ended with Hydra's FileNotFoundError traceback
(os.getcwd() as it composed the config); it is one line saying what to do (helper h125)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("tool", "argument"), [("train", "plan.num_models=2"),
                                               ("attack", "run/observations.npz")])
def test_a_deleted_working_directory_is_one_line(tmp_path, tool, argument):
    entry = f"from mia_defense.cli.{tool} import main; main()"
    script = 'mkdir gone && cd gone && rmdir ../gone && exec "$0" -c "$1" "$2"'
    done = subprocess.run(["sh", "-c", script, sys.executable, entry, argument], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert ("ConfigError: the directory this command was started in no longer exists (deleted "
            "or moved after the shell entered it)") in done.stderr
    assert "cd to an existing directory and run the command again" in done.stderr
