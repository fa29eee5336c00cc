"""A checkpoint folder this user may not list (chmod 000, another user's) was a raw
PermissionError traceback once training looked for its saved models, after the run had
marked results.json 'failed'; one it may not write, a model missing, trained that model in
vain before failing to save it. `check_checkpoint_folders` refuses both before anything is
written, naming the folder and the fix; a read-only folder holding every model is only read
and stays usable. Run as an unprivileged user (root ignores permissions): under root, the
check runs in a child process as user nobody."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.pipeline.train import check_checkpoint_folders
from mia_defense.training.checkpoints import checkpoint_path, save_state
from tests.helpers import as_unprivileged

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="POSIX permissions, checked as a user other than root",
)


def _checked(*run_dirs: Path) -> list[str]:
    """What `check_checkpoint_folders` says of each of ``run_dirs``, as a user not root."""

    def check() -> str:
        said = []
        for run_dir in run_dirs:
            try:
                check_checkpoint_folders(run_dir, fingerprint="f", settings={}, num_models=2)
            except DataError as exc:
                said.append(f"refused: {exc}")
            else:
                said.append("accepted")
        return "\n".join(said)

    return as_unprivileged(check).splitlines()


@pytest.fixture
def root():
    root = Path(tempfile.mkdtemp(prefix="mia-h195-"))  # (pytest's tmp_path: root's only)
    root.chmod(0o777)
    yield root
    for folder in root.glob("*/checkpoints"):
        folder.chmod(0o755)
    shutil.rmtree(root)


def _run_dir(root: Path, name: str, *, saved: int, mode: int) -> Path:
    """A run folder whose checkpoints/ holds ``saved`` of 2 models, with permissions ``mode``."""
    folder = root / name / "checkpoints"
    folder.mkdir(parents=True)
    folder.parent.chmod(0o777)
    for k in range(saved):
        save_state(checkpoint_path(folder, k), {"w": torch.zeros(2)},
                   {"epochs": [], "stats": {}}, fingerprint="f")  # fmt: skip
    folder.chmod(mode)
    return folder.parent


def test_a_checkpoint_folder_this_user_may_not_use_is_refused_naming_it(root):
    unlisted = _run_dir(root, "unlisted", saved=2, mode=0o000)
    missing = _run_dir(root, "missing", saved=1, mode=0o555)
    complete = _run_dir(root, "complete", saved=2, mode=0o555)
    said = _checked(unlisted, missing, complete)
    for run_dir, line in zip((unlisted, missing), said, strict=False):
        assert line.startswith(f"refused: {run_dir / 'checkpoints'}: this user may not list, "
                               "read or write the models' checkpoints in it"), line
        assert "nothing was trained" in line and "chmod u+rwx" in line, line
    assert said[2] == "accepted"  # every model saved: only read, as before
