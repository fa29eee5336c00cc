"""Hostile: hydra.run.dir pointed at a user's project folder that holds a folder named
``checkpoints`` (a PyTorch Lightning project, say). That folder alone made it 'a run
directory': the run wrote results.json, scores.npz, tb/ and its model_*.pt among the
project's files, where a folder of the user's is refused."""

from __future__ import annotations

import pytest

from mia_defense.cli.run_dirs import is_run_dir, is_sweep_dir, refuse_foreign_dir


def test_a_project_with_a_checkpoints_folder_is_no_run(tmp_path, caplog):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "epoch=3.ckpt").write_text("x")
    (tmp_path / "README.md").write_text("mine")
    (tmp_path / "src").mkdir()
    assert not is_run_dir(tmp_path)
    with pytest.raises(SystemExit):
        refuse_foreign_dir(str(tmp_path), key="hydra.run.dir", ours=is_run_dir)
    assert (f"hydra.run.dir={tmp_path} holds files that are not mia-train's (README.md, "
            "checkpoints, src); nothing was changed") in caplog.text


@pytest.mark.parametrize("names", [
    ("results.json", "README.md"),  # a run's record: a run, whatever lies beside it
    (".lock", "notes.txt"),
    ("checkpoints", "train.log", "tb"),  # a run whose results.json was deleted
    ("checkpoints", "checkpoints_undefended", "observations.npz", "scores.npz"),
])
def test_what_a_run_leaves_is_still_a_run(tmp_path, names):
    run, sweep = tmp_path / "run", tmp_path / "sweep"
    for folder in (run, sweep / "a=1"):
        folder.mkdir(parents=True)
        for name in names:
            if name in ("checkpoints", "checkpoints_undefended", "tb"):
                (folder / name).mkdir()
            else:
                (folder / name).write_text("")
    assert is_run_dir(run)
    assert is_sweep_dir(sweep)
