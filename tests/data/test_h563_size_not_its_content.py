"""A file whose size, as its file system reports it, is not its content (/proc and /sys
report 0 bytes and hold text; some network and FUSE mounts report stale sizes) was refused
as "changed size while it was read (0 bytes when opened, 0 now): it is still being written
or copied": both sizes the same, and nothing being written. The refusal now says the size
misreports the content, and to copy the file to a local disk."""

from __future__ import annotations

import os
import types

import pytest

from mia_defense.data import guards
from mia_defense.errors import DataError


def test_content_beyond_an_unchanged_size_is_said_so(tmp_path, monkeypatch):
    path = tmp_path / "status.csv"
    path.write_text("a,label\n1,0\n2,1\n")
    real_fstat = os.fstat
    monkeypatch.setattr(guards.os, "fstat",
                        lambda fd: types.SimpleNamespace(st_size=0, st_mode=real_fstat(fd).st_mode))
    with path.open("rb") as handle, pytest.raises(DataError) as info:
        guards.read_as_opened(handle, path=path, size=0).read()
    said = str(info.value)
    assert "still being written" not in said
    assert "the 0 bytes its size says" in said and "copy it to a local disk" in said


def test_a_file_that_grew_is_still_said_to_be_written(tmp_path):
    path = tmp_path / "growing.csv"
    path.write_text("a,label\n1,0\n2,1\n")
    with path.open("rb") as handle, pytest.raises(DataError, match=r"changed size while it was "
                                                                   r"read \(5 bytes when opened"):
        guards.read_as_opened(handle, path=path, size=5).read()
