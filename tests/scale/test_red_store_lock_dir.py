"""A directory where an entry's lock file goes was reported as 'cache_dir=<store>: cannot
use it as the model store (Is a directory); point cache_dir at a writable directory': the
store is fine, the lock is not, and the message did not name it. It is now named, with the
fix (delete it), as a lock that is a link or a FIFO already was."""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.store import ModelStore


def test_a_lock_that_is_a_directory_is_named_with_the_fix(tmp_path):
    lock = tmp_path / "abc.lock"
    lock.mkdir()
    (lock / "keep").write_text("x")
    with pytest.raises(DataError, match=(
        rf"^model store lock {lock}: abc.lock is not a regular file; delete it \(the store "
        r"makes its own\), or set cache_dir=null$"
    )):  # fmt: skip
        with ModelStore(tmp_path)._locked("abc", what="target models"):
            pass
    assert (lock / "keep").read_text() == "x"
