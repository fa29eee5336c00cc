"""Hostile: what lies in a run's checkpoints folder in place of a checkpoint (a folder, a
link to nothing, a link loop) stopped a resume with a traceback (IsADirectoryError,
FileNotFoundError, OSError ELOOP) instead of naming the file and the fix."""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.training.checkpoints import check_checkpoint_dir, checkpoint_path


def _folder(path):
    path.mkdir()


def _dangling(path):
    path.symlink_to(path.parent / "nowhere.pt")


def _loop(path):
    other = path.with_name("model_0001.pt")
    path.symlink_to(other.name)
    other.symlink_to(path.name)


@pytest.mark.parametrize(("make", "why"), [
    (_folder, r"not a regular file"),
    (_dangling, r"a link to nothing: .*nowhere\.pt"),
    (_loop, r"cannot open it: Too many levels of symbolic links"),
])
def test_an_odd_file_in_place_of_a_checkpoint_is_named(tmp_path, make, why):
    path = checkpoint_path(tmp_path, 0)
    make(path)
    with pytest.raises(DataError, match=(
        rf"checkpoint {path} is corrupt or not a mia-defense checkpoint \({why}\); delete it "
        "to retrain that model")):
        check_checkpoint_dir(tmp_path, fingerprint="f", settings={})


def test_a_missing_checkpoint_is_still_file_not_found(tmp_path):
    from mia_defense.training.checkpoints import load_checkpoint

    with pytest.raises(FileNotFoundError):
        load_checkpoint(checkpoint_path(tmp_path, 0))
