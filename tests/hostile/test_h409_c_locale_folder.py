"""mia-train under a locale whose file-system encoding is not UTF-8 (LC_ALL=C, no coercion),
started in a folder whose name is not ASCII (h409)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MIA_TRAIN = str(Path(sys.executable).parent / "mia-train")


@pytest.mark.parametrize("sweep", [False, True])
def test_a_refused_run_folder_is_refused_before_it_is_made(tmp_path, sweep):
    # each mia-train said "DataError: '.../\udcc3\udca9 dir/outputs/DATE/TIME': the locale's
    # file-system encoding (ascii) writes this name as other bytes than UTF-8 ...; nothing was
    # run" and left outputs/DATE/TIME/train.log behind (a new one at each try)
    folder = tmp_path / "é dir"
    folder.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))}  # fmt: skip
    env.update(LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    done = subprocess.run(
        [MIA_TRAIN, *(["-m"] if sweep else []), "plan.num_models=2", "train.epochs=1"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("DataError: "), done.stderr[-2000:]
    key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    assert f"({key}=...)" in lines[0] and "LC_ALL=C.UTF-8" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == []
