"""A file named ``checkpoints`` (or ``checkpoints_undefended``) in the run directory: the
first chunk was trained in full, then saving it failed with 'cannot write it (File exists);
free disk space', the training lost. It is refused before any training, naming the path."""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.training.checkpoints import check_checkpoint_dir


@pytest.mark.parametrize("fingerprint", ["f", None])
def test_a_file_where_the_checkpoint_folder_goes_is_refused_before_training(
    tmp_path, fingerprint
):
    (tmp_path / "checkpoints").write_text("a user's notes\n")
    with pytest.raises(DataError, match=r"checkpoints: not a folder.*nothing was trained"):
        check_checkpoint_dir(tmp_path / "checkpoints", fingerprint=fingerprint, settings={})
    assert (tmp_path / "checkpoints").read_text() == "a user's notes\n"


def test_a_missing_or_empty_folder_is_fine(tmp_path):
    check_checkpoint_dir(tmp_path / "checkpoints", fingerprint="f", settings={})
    (tmp_path / "checkpoints").mkdir()
    check_checkpoint_dir(tmp_path / "checkpoints", fingerprint="f", settings={})
