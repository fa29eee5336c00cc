"""Hostile: a run or sweep directory that is a file (or a link to nothing) was refused as
'cannot write there (File exists)', which names no file that exists to the user."""

from __future__ import annotations

import pytest

from mia_defense.cli.run_dirs import require_writable_dir


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_file_as_the_directory_is_named_as_a_file(tmp_path, caplog, key):
    path = tmp_path / "taken"
    path.write_text("mine")
    with pytest.raises(SystemExit) as exited:
        require_writable_dir(str(path), key=key)
    assert exited.value.code == 2
    assert (f"DataError: {key}={path} is a file, not a folder; nothing was changed. Point "
            f"{key} at a new or empty directory") in caplog.text
    assert path.read_text() == "mine"


def test_a_link_to_nothing_is_named_as_a_link(tmp_path, caplog):
    path = tmp_path / "dangling"
    path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(SystemExit):
        require_writable_dir(str(path), key="hydra.run.dir")
    assert f"hydra.run.dir={path} is a link to no folder" in caplog.text
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_and_a_new_path_pass(tmp_path):
    require_writable_dir(str(tmp_path), key="hydra.run.dir")
    require_writable_dir(str(tmp_path / "new" / "run"), key="hydra.run.dir")
    assert (tmp_path / "new" / "run").is_dir()


def test_a_folder_in_place_of_the_run_lock_is_named_as_the_lock(tmp_path):
    """It was 'DIR: cannot use it as the run directory (Is a directory); point hydra.run.dir
    ... at a writable directory', blaming a run directory that is fine."""
    from mia_defense.errors import DataError
    from mia_defense.tracking.run_dir import claim_run_dir

    (tmp_path / ".lock").mkdir()
    with pytest.raises(DataError, match=(
        rf"{tmp_path / '.lock'}: a folder, so no lock of mia-train's; nothing was changed. "
        r"Delete it \(mia-train makes its own\)")):
        with claim_run_dir(tmp_path):
            pass
    assert (tmp_path / ".lock").is_dir()


def test_a_lock_that_is_a_hard_link_is_refused_and_its_file_kept(tmp_path):
    """The lock's holder line ('pid N on HOST since ...') is written over the lock file in
    place (ftruncate): a .lock hard-linked to a user's file (or left by cp -al) emptied it."""
    from mia_defense.errors import DataError
    from mia_defense.store import ModelStore
    from mia_defense.tracking.run_dir import claim_run_dir

    mine = tmp_path / "notes.txt"
    mine.write_text("my notes\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".lock").hardlink_to(mine)
    with pytest.raises(DataError, match=(
        rf"{run_dir / '.lock'}: a hard link \(2 names for one file\), so another file's content "
        r"would be overwritten by the lock's; nothing was changed. Delete it")):
        with claim_run_dir(run_dir):
            pass
    store = ModelStore(tmp_path / "store")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / f"{'a' * 64}.lock").hardlink_to(mine)
    with pytest.raises(DataError, match=r"is a hard link \(3 names for one file\)"):
        with store._locked("a" * 64, what="target models"):
            pass
    assert mine.read_text() == "my notes\n"
