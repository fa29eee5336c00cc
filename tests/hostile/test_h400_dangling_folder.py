"""dataset.path under a folder that is a symbolic link to nothing (a data folder linked to
a disk not mounted, or into a git-annex/DVC cache never fetched) was said not to exist,
beside an ``ls`` that lists the link (h400; h388 named a link at the path itself). The
refusal now names the link, its target and what to do."""

from __future__ import annotations

import os

import pytest

from mia_defense.data import load_csv, load_mnist, load_npz
from mia_defense.errors import DataError


@pytest.mark.parametrize(("load", "below", "kwargs"), [
    (load_csv, "sub/d.csv", {"label_column": "y"}),
    (load_npz, "d.npz", {}),
    (load_mnist, "mnist", {}),
])  # fmt: skip
def test_a_folder_above_the_path_linking_to_nothing_is_named(tmp_path, load, below, kwargs):
    link = tmp_path / "data"
    target = tmp_path / "unmounted" / "disk"
    os.symlink(target, link)
    with pytest.raises(DataError) as refused:
        load(path=link / below, **kwargs)
    message = str(refused.value)
    assert (f"{link / below} lies in {link}, a symbolic link to {target}, which does not "
            "exist") in message, message
    assert "replace the link with the folder" in message
    assert "does not exist; set dataset.path" not in message


def test_a_missing_folder_that_is_no_link_is_still_said_missing(tmp_path):
    with pytest.raises(DataError, match=r"d\.npz does not exist; set dataset\.path"):
        load_npz(path=tmp_path / "absent" / "d.npz")
