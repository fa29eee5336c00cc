"""h425: a complete run skipped as finished whose checkpoint is there but no regular file (a
folder, a FIFO, a link to /dev/zero: h419's cases) was warned of as 'missing
(checkpoints/model_0001.pt; moved or deleted) ... Put it back, or delete results.json alone',
whose rerun then refuses that very file. By hand: mia-train plan.num_models=2 train.epochs=2
hydra.run.dir=R, R/checkpoints/model_0000.pt replaced by a folder, the same command again.
It is now said as what it is (files.no_regular_file, mia-report's words for it), with the
route that trains it again; a checkpoint not there (a link to nothing too) is missing, as
before."""

from __future__ import annotations

import os

import pytest

from tests.hostile.test_h419_unread_checkpoints import damaged
from tests.tracking.test_h195_finished_run_damaged_checkpoints import _finished, _skipped

MISSING = "1 of its saved models is missing (checkpoints/model_0001.pt; moved or deleted)"


@pytest.mark.parametrize(("how", "said"), [
    ("a folder", "(a directory, not a regular file)"),
    ("/dev/zero", "(a link to /dev/zero: a special file, not a regular file)"),
    ("a FIFO", "(a FIFO (named pipe), not a regular file)"),
])
def test_a_checkpoint_there_but_no_file_is_said_as_what_it_is(tmp_path, caplog, how, said):
    if how == "/dev/zero" and not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    run_dir = _finished(tmp_path)
    damaged(run_dir, how, "model_0001.pt")
    text = _skipped(run_dir, caplog)
    assert "saved models is missing" not in text and "moved or deleted)" not in text
    assert "its trained models are saved (2 checkpoints in checkpoints/)" in text  # (not 3)
    assert (f"{run_dir}: a complete run, skipped as finished, but 1 of its saved models is no "
            f"regular file (checkpoints/model_0001.pt {said}): load_trained_model cannot "
            "rebuild it. Put the run's own file back, or delete it and results.json alone, not "
            "the folder, and run the same command again to train it again") in text


def test_every_checkpoint_no_file_is_named_too(tmp_path, caplog):
    """(Every checkpoint gone says nothing: deleted to save space. Folders are not that.)"""
    run_dir = _finished(tmp_path)
    for checkpoint in (run_dir / "checkpoints").iterdir():
        checkpoint.unlink()
        checkpoint.mkdir()
    text = _skipped(run_dir, caplog)
    assert "3 of its saved models are no regular file (checkpoints/model_0000.pt (a directory, " \
           "not a regular file); checkpoints/model_0001.pt (a directory" in text
    assert "delete them and results.json alone" in text and "saved models are missing" not in text


@pytest.mark.parametrize("how", ["deleted", "a link to nothing"])
def test_a_checkpoint_not_there_is_still_missing(tmp_path, caplog, how):
    run_dir = _finished(tmp_path)
    checkpoint = run_dir / "checkpoints" / "model_0001.pt"
    checkpoint.unlink()
    if how != "deleted":
        checkpoint.symlink_to(tmp_path / "moved.pt")
    text = _skipped(run_dir, caplog)
    assert MISSING in text and "no regular file" not in text
