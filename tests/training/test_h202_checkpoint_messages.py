"""Two refusals of a checkpoint that read badly (helper h202):
- a forged checkpoint whose model number is text ('index': '0') was refused as 'holds model
  0, not model 0' (renamed or copied files); it is now a malformed 'index', no whole number;
- one this user may not read (chmod 000) was 'corrupt or not a mia-defense checkpoint
  (cannot open it: Permission denied; if it is this run's own, make it readable for this
  user (chmod, or ask its owner) instead); delete it to retrain that model'; now one
  sentence: make it readable if it is this run's own, else delete it. Checked as user nobody
  (root reads anything), as tests/scale/test_h195_checkpoint_folder_permissions.py does."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.training.checkpoints import load_checkpoint, save_checkpoint
from tests.helpers import as_unprivileged


def _save(path: Path, index: object) -> None:
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f",
                           "history": {"epochs": [], "stats": {}}, "index": index})


@pytest.mark.parametrize(("index", "shown"), [("0", "'0', a str"), (0.0, "0.0, a float"),
                                              (True, "True, a bool")])
def test_a_model_number_that_is_no_whole_number_is_named_so(tmp_path, index, shown):
    path = tmp_path / "model_0000.pt"
    _save(path, index)
    with pytest.raises(DataError) as caught:
        load_checkpoint(path, fingerprint="f")
    assert str(caught.value) == (f"checkpoint {path} has a malformed 'index' ({shown}, no whole "
                                 "number); delete it to retrain that model")


def test_a_model_number_of_another_file_is_still_named_as_a_swap(tmp_path):
    path = tmp_path / "model_0001.pt"
    _save(path, 0)
    with pytest.raises(DataError, match=r"model_0001\.pt holds model 0, not model 1: the"):
        load_checkpoint(path, fingerprint="f")


def _loaded(path: Path) -> str:
    """What `load_checkpoint` says of ``path``."""
    try:
        load_checkpoint(path, fingerprint="f")
    except DataError as exc:
        return f"refused: {exc}"
    return "loaded"


@pytest.mark.skipif(not hasattr(os, "fork"),
                    reason="POSIX permissions, checked as a user other than root")
def test_an_unreadable_checkpoint_is_refused_in_one_sentence():
    root = Path(tempfile.mkdtemp(prefix="mia-h202-"))  # (pytest's tmp_path: root's only)
    try:
        root.chmod(0o755)
        path = root / "model_0000.pt"
        _save(path, 0)
        path.chmod(0o000)
        said = as_unprivileged(lambda: _loaded(path))
    finally:
        shutil.rmtree(root)
    assert said == (
        f"refused: checkpoint {path}: cannot read it (Permission denied); if it is this run's "
        "own, make it readable for this user (chmod, or ask its owner), else delete it to "
        "retrain that model")
