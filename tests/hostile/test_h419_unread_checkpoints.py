"""A run folder whose checkpoint is no file a report can hash (helper h419): after
`mia-train plan.num_models=2 train.epochs=2`, checkpoints/model_0000.pt replaced by a folder
stopped `mia-report` on the whole sweep with 'mia-report: 3: Is a directory; check the
directories and --out' (files.regular_file_open wrapped the folder's descriptor in open(),
which refuses one); a link to /dev/zero, a FIFO or a sparse file of 200 GiB were left
unread, rightly, but the run was reported without a word that its models and config were
not checked. The report now reads none of them and warns, naming each and what it did.
(A resume of such a folder, results.json deleted, already ends in one line: 'DataError:
checkpoint ... is corrupt or not a mia-defense checkpoint (not a regular file); delete it to
retrain that model', or for the sparse file 'is 200.0 GiB, more than the ... GiB of memory
this machine can spare'.)"""

from __future__ import annotations

import logging
import os
import shutil

import pytest

from mia_defense.files import regular_file_open
from mia_defense.report import write_report


def damaged(run_dir, how, name="model_0000.pt"):
    """The run's checkpoint ``name`` replaced by ``how``: a folder, a link to /dev/zero, a
    FIFO, else a 200 GiB sparse file."""
    checkpoint = run_dir / "checkpoints" / name
    checkpoint.unlink()
    if how == "a folder":
        checkpoint.mkdir()
    elif how == "/dev/zero":
        checkpoint.symlink_to("/dev/zero")
    elif how == "a FIFO":
        os.mkfifo(checkpoint)
    else:
        with open(checkpoint, "wb") as handle:
            handle.truncate(200 * 2**30)  # (sparse: no block written)
    return checkpoint


@pytest.mark.parametrize(("how", "said"), [
    ("a folder", "(a directory, not a regular file)"),
    ("/dev/zero", "(a link to /dev/zero: a special file, not a regular file)"),
    ("a FIFO", "(a FIFO (named pipe), not a regular file)"),
    ("sparse", "(200.0 GiB, more than the 512.0 MiB the report hashes)"),
])
def test_the_report_reads_no_such_checkpoint_and_says_so(fast_run, tmp_path, caplog, how, said):
    if how == "/dev/zero" and not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    run_dir = tmp_path / "sweep" / "run"
    shutil.copytree(fast_run.run_dir, run_dir)
    damaged(run_dir, how)
    with caplog.at_level(logging.WARNING, logger="mia_defense.report"):
        report = write_report([run_dir.parent], out_dir=tmp_path / "out", tensorboard=False,
                              charts=False)  # fmt: skip
    assert [s.name for s in report.summaries] == ["run"]  # (its figures stand)
    (line,) = [r.getMessage() for r in caplog.records if "checkpoints/model_0000.pt" in
               r.getMessage()]  # fmt: skip
    assert line.startswith(f"{run_dir}: checkpoints/model_0000.pt {said}: not read, so not "
                           "checked against the sha256 results.json records")
    assert "delete it and results.json alone, not the folder" in line


def test_no_word_of_checkpoints_read_or_deleted(fast_run, tmp_path, caplog):
    run_dir = tmp_path / "sweep" / "run"
    shutil.copytree(fast_run.run_dir, run_dir)
    (run_dir / "checkpoints" / "model_0001.pt").unlink()  # (deleted: not checked, as before)
    with caplog.at_level(logging.WARNING, logger="mia_defense.report"):
        write_report([run_dir.parent], out_dir=tmp_path / "out", tensorboard=False,
                     charts=False)  # fmt: skip
    assert not [r for r in caplog.records if "not read, so not checked" in r.getMessage()]


def test_a_folder_is_opened_as_no_regular_file(tmp_path):
    with regular_file_open(tmp_path) as handle:
        assert handle is None
