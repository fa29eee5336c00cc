"""A file swapped between a check and its use: the check must hold for what is used
(a checkpoint read once; the store's lock checked on the descriptor it opened; a run's
locked .lock that cannot be read)."""

from __future__ import annotations

import fcntl
import logging
import os

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.store import ModelStore
from mia_defense.training import checkpoints
from mia_defense.training.checkpoints import load_checkpoint, save_checkpoint


def _payload(value: float) -> dict:
    return {"state_dict": {"w": torch.full((3,), value)}, "fingerprint": "f",
            "history": {"epochs": [], "stats": {}}}  # fmt: skip


def test_a_checkpoint_swapped_after_its_checks_is_not_what_torch_loads(tmp_path, monkeypatch):
    path, other = tmp_path / "model_0000.pt", tmp_path / "other.pt"
    save_checkpoint(path, _payload(1.0))
    save_checkpoint(other, _payload(2.0))
    checked = checkpoints.archive_problem

    def swap_after_check(source):
        problem = checked(source)
        os.replace(other, path)  # another file under the name once the bytes were checked
        return problem

    monkeypatch.setattr(checkpoints, "archive_problem", swap_after_check)
    assert load_checkpoint(path)["state_dict"]["w"].tolist() == [1.0, 1.0, 1.0]


def test_a_fifo_checkpoint_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "model_0000.pt")
    with pytest.raises(DataError, match=r"not a regular file\); delete it to retrain"):
        load_checkpoint(tmp_path / "model_0000.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "model_0001.pt")


def test_a_store_lock_opened_as_a_fifo_is_refused_though_a_file_took_its_name(
    tmp_path, monkeypatch
):
    (tmp_path / "store").mkdir()
    lock = tmp_path / "store" / f"{'a' * 64}.lock"
    os.mkfifo(lock)
    real_open = os.open

    def open_then_swap(path, flags, *args):
        fd = real_open(path, flags, *args)
        if str(path) == str(lock):  # a regular file under the name; fd is the FIFO opened
            lock.unlink()
            lock.write_text("")
        return fd

    monkeypatch.setattr(os, "open", open_then_swap)
    # checked by name, the lock passed and ftruncate on the FIFO raised a bare OSError
    with pytest.raises(DataError, match=r"\.lock is not a regular file; delete it"):
        with ModelStore(tmp_path / "store")._locked("a" * 64, what="target models"):
            pass


def test_a_locked_fifo_lock_of_a_run_names_another_process(tmp_path, caplog):
    from mia_defense.cli.run_dirs import refuse_in_use

    os.mkfifo(tmp_path / ".lock")
    holder = os.open(tmp_path / ".lock", os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
            refuse_in_use(str(tmp_path))  # pread on a FIFO: ESPIPE, a traceback before
    finally:
        os.close(holder)
    assert f"{tmp_path} is in use by another process" in caplog.text
