"""A sweep started again where one of its run folders is now a file or a link to no folder
(replaced, or moved away and left as a dangling link) stopped with Hydra's FileExistsError
traceback as it made that folder (exit 1); it is refused in one line, naming the path, and
what lies there is left as it is (helper h125)."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import LEAN_ATTACKS, mia_train

SWEEP = ["-m", "plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS,
         "train.lr=0.001,0.01", "hydra.sweep.dir=sw"]  # fmt: skip


@pytest.mark.parametrize("blocked", ["file", "dangling link"])
def test_a_file_in_place_of_a_run_folder_is_refused_in_one_line(tmp_path, blocked):
    done = mia_train(*SWEEP, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (first,) = (tmp_path / "sw").glob("*,train.lr=0.001,*")
    (folder,) = (tmp_path / "sw").glob("*,train.lr=0.01,*")
    kept = (first / "results.json").read_bytes()
    shutil.rmtree(folder)
    if blocked == "file":
        folder.write_text("notes\n")
    else:
        folder.symlink_to(tmp_path / "moved-away")
    again = mia_train(*SWEEP, cwd=tmp_path)
    assert again.returncode == 2, again.stderr[-3000:]
    assert "Traceback" not in again.stderr
    what = "a file, not a folder" if blocked == "file" else "a link to no folder"
    assert (f"DataError: sw/{folder.name} is {what}, where this sweep writes one of its runs; "
            "nothing more was run (the runs before it are kept)") in again.stderr
    assert (first / "results.json").read_bytes() == kept
    assert folder.is_symlink() or folder.read_text() == "notes\n"
