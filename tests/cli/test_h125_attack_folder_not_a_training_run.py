"""mia-train into the folder of a mia-attack run is refused: mia-attack's results.json
records the config of the run it attacked, so mia-train of that config skipped the folder
as its own finished run ('skipping finished run', exit 0), though no model was trained
there (mia-attack refuses a mia-train run's folder likewise) (helper h125)."""

from __future__ import annotations

import shutil

from tests.helpers import LEAN_ATTACKS, mia_attack, mia_train

TINY = ["plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS]


def test_mia_train_refuses_the_folder_of_a_mia_attack_run(lean_run, tmp_path):
    shutil.copytree(lean_run, tmp_path / "run")  # (mia-train's run of TINY)
    attacked = mia_attack("run", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=att",
                          cwd=tmp_path)  # fmt: skip
    assert attacked.returncode == 0, attacked.stderr[-3000:]
    results = tmp_path / "att" / "results.json"
    before = results.read_bytes()
    done = mia_train(*TINY, "hydra.run.dir=att", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "skipping finished run" not in done.stderr
    assert (f"ConfigError: att/results.json is mia-attack's record of the attack on "
            f"{tmp_path / 'run'} (results.json holds its 'source'), not a run mia-train "
            "trained: no models were trained in that folder; nothing was changed") in done.stderr
    assert results.read_bytes() == before
    assert not (tmp_path / "att" / "checkpoints").exists()
    assert not (tmp_path / "att" / "train.log").exists()  # refused before Hydra's log
