"""mia-attack into the folder of a mia-train run whose results.json is gone (deleted by hand,
so that mia-train would resume it from its checkpoints) wrote its observations.npz and
scores.npz over the run's and its results.json beside the run's checkpoints: the folder then
read as an attack of another source holding models it never trained. A folder holding a
mia-train run's models is refused, before Hydra writes its log there, nothing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack


@pytest.mark.parametrize("models", ["checkpoints", "checkpoints_undefended"])
def test_a_folder_with_a_training_runs_models_is_refused(fast_run, attacked_run, tmp_path,
                                                         models):  # fmt: skip
    folder = Path(shutil.copytree(fast_run.run_dir, tmp_path / "trained"))
    (folder / "results.json").unlink()
    if models != "checkpoints":
        (folder / "checkpoints").rename(folder / models)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=trained",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"ConfigError: hydra.run.dir={folder} holds a mia-train run's models ({models}/): "
            "mia-attack trains none") in done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert not (folder / "attack.log").exists()
