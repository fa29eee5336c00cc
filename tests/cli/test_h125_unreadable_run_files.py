"""A run file this user may not read (chmod 000, another user's) is named as unreadable,
with what to do: mia-attack on such a run ended with a PermissionError (exit 1) as it
hashed observations.npz, and an .npz was called corrupt (mia-report: 'the run's files are
not the ones it wrote: rerun it'). The denial is simulated: the tests may run as root, who
reads anything (helper h125)."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.files import load_npz
from mia_defense.training.checkpoints import check_checkpoint_dir, checkpoint_path
from tests.helpers import LEAN_ATTACKS, mia_attack

DENIED = ("cannot read it (Permission denied); make it readable for this user (chmod, or ask "
          "its owner)")


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Every open of ``path`` for reading fails as under chmod 000 (os.open and open)."""
    real_os_open, real_open = os.open, builtins.open

    def refused(file: object) -> bool:
        return isinstance(file, str | os.PathLike) and os.path.abspath(file) == str(path)

    def os_open(file, *args, **kwargs):
        if refused(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    def open_(file, *args, **kwargs):
        if refused(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)


@pytest.fixture
def run(lean_run: Path) -> Path:
    """mia-train's run of two models, one epoch (`tests.conftest.lean_run`). Read-only."""
    return lean_run


def test_mia_attack_names_an_unreadable_observations_file(run, tmp_path, monkeypatch):
    observations = run / "observations.npz"
    _deny(monkeypatch, observations)
    done = mia_attack(str(run), *LEAN_ATTACKS, "progress=false", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"DataError: {observations}: {DENIED}" in done.stderr
    assert "PermissionError" not in done.stderr


def test_an_unreadable_npz_is_not_called_corrupt(tmp_path, monkeypatch):
    path = tmp_path / "scores.npz"
    np.savez(path, scores=np.zeros(3))
    _deny(monkeypatch, path)
    with pytest.raises(DataError) as caught:
        load_npz(path)
    assert str(caught.value) == f"{path}: {DENIED}"


def test_an_unreadable_checkpoint_is_not_only_to_be_deleted(tmp_path, monkeypatch):
    """A resume said 'is corrupt or not a mia-defense checkpoint (cannot open it:
    Permission denied); delete it to retrain that model': a good model lost for a mode."""
    path = checkpoint_path(tmp_path, 0)
    path.write_bytes(b"a checkpoint")
    _deny(monkeypatch, path)
    with pytest.raises(DataError) as caught:
        check_checkpoint_dir(tmp_path, fingerprint="f", settings={})
    assert str(caught.value) == (
        f"checkpoint {path}: cannot read it (Permission denied); if it is this run's own, make "
        "it readable for this user (chmod, or ask its owner), else delete it to retrain that "
        "model")
