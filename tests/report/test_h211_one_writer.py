"""One report is written into a folder at a time: a second mia-report writing into the same
folder while the first still writes is refused with a line, its files never moved in over
the first's one by one.

Measured (by the code, the race being rare by hand): two reports started together with one
--out each staged their files and moved them in file by file, so the folder could end with
the tables of one, the charts and summary of the other and a mark naming either; nothing
told the two writers of each other. A report's folder is now locked (flock on the folder
itself, no file added) while a report writes there.
"""

from __future__ import annotations

import fcntl
import os

import pytest

from mia_defense.cli.report import main
from mia_defense.errors import ConfigError
from mia_defense.report import write_report
from tests.report.fake_runs import two_run_sweep


def _held(folder):
    """An open descriptor of ``folder`` holding its lock, as a writing report does."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_report_into_a_folder_another_report_writes_is_refused(tmp_path, capsys):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    fd = _held(out)
    try:
        with pytest.raises(ConfigError, match="another mia-report is writing its report there"):
            write_report([root], out_dir=out, tensorboard=False, charts=False)
        assert main([str(root), "-o", str(out), "--no-tensorboard", "--no-charts"]) == 2
    finally:
        os.close(fd)
    assert f"mia-report: {out}: another mia-report is writing" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    write_report([root], out_dir=out, tensorboard=False, charts=False)  # once it has ended


def test_a_first_report_into_a_new_folder_takes_the_lock_too(tmp_path):
    """The folder is made, then locked: a report started beside one making it waits its
    turn (refused), never writes beside it."""
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    out.mkdir()
    fd = _held(out)
    try:
        with pytest.raises(ConfigError, match="another mia-report"):
            write_report([root], out_dir=out, tensorboard=False, charts=False)
    finally:
        os.close(fd)
    assert not any(p.name.endswith((".csv", ".md")) for p in out.iterdir())


def test_a_file_system_without_folder_locks_is_written_unlocked(tmp_path, monkeypatch):
    """NFS refuses an exclusive lock on a folder (EBADF: it wants a file open for writing),
    a file system without locks says ENOLCK: the report is written, unlocked, as before."""
    import errno

    import mia_defense.report.out_dir as out_dir

    root = two_run_sweep(tmp_path / "sweep")
    for code in (errno.EBADF, errno.ENOLCK):

        def refused(fd, operation, code=code):
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(out_dir.fcntl, "flock", refused)
        out = tmp_path / f"out{code}"
        write_report([root], out_dir=out, tensorboard=False, charts=False)
        assert (out / "tradeoff.csv").is_file()
