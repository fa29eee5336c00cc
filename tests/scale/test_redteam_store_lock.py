"""The model store's lock file (red team): never opened through a link."""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.store import ModelStore


def test_a_store_lock_that_is_a_link_is_refused_and_its_target_kept(tmp_path):
    # a shared cache_dir whose <key>.lock named a file of the user's: it was truncated and
    # written over with "pid ... on HOST since ..."
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    store = ModelStore(tmp_path / "store")
    store.root.mkdir()
    (store.root / f"{'a' * 64}.lock").symlink_to(precious)
    with pytest.raises(DataError, match=r"is a link, not a regular file; delete it"):
        with store._locked("a" * 64, what="target models"):
            pass
    assert precious.read_text() == "keep me\n"
