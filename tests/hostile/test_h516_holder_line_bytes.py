"""A lock's holder line holding a byte that is no UTF-8 (anyone who can write the run's
folder can write its .lock) was decoded with errors="replace" (`tracking.run_dir.holder_line`):
the byte read as U+FFFD, though `report.checks.printable`, the rule it goes through, and the
log lines and mia-report name such a byte ``\\xNN``. It is now decoded as os.fsdecode
decodes a name (surrogateescape), so printable shows ``\\xff``, the byte that is there."""

from __future__ import annotations

import os

from mia_defense.cli.held_log import lock_holder
from tests.helpers import hold_run_lock


def _holder_of(run_dir, raw: bytes) -> str | None:
    fd = hold_run_lock(run_dir)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, raw, 0)
        return lock_holder(run_dir)
    finally:
        os.close(fd)


def test_a_byte_that_is_no_utf8_reads_as_its_escape(tmp_path):
    said = _holder_of(tmp_path, b"pid 1 on h\xff since T\n")
    assert said == "pid 1 on h\\xff since T", said
    assert "\ufffd" not in said


def test_utf8_beyond_ascii_reads_as_itself(tmp_path):
    said = _holder_of(tmp_path, "pid 1 on hôte since T\n".encode())
    assert said == "pid 1 on hôte since T", said
