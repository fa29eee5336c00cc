"""h564: a run folder whose observations.npz or results.json is a symbolic link to nothing
(a git-annex or DVC checkout never fetched, a file moved away, or a link to itself) was
refused as a folder without them: `mia-attack RUN` said 'no observations.npz in it' and 'a
run folder without its results.json (deleted to resume the run ...)', beside an ``ls`` that
lists both. The refusal now names the link and its target; nothing is written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import mia_attack


@pytest.mark.parametrize("name", ["observations.npz", "results.json"])
@pytest.mark.parametrize("target", ["../.git/annex/objects/x", "{self}"], ids=["gone", "loop"])
def test_a_run_file_linked_to_nothing_is_named_as_such(fast_run, tmp_path, name, target):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    (run / name).unlink()
    said = target.format(self=run / name)
    os.symlink(said, run / name)
    done = mia_attack("run", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    assert f"run/{name}: a broken link (to {said!r})" in done.stderr
    assert "no observations.npz in it" not in done.stderr
    assert "without its results.json" not in done.stderr
    assert not (tmp_path / "out").exists()
