"""A symbolic link to nothing reached through another link (data -> /mnt/data -> a disk not
mounted), at dataset.path or at a folder above it, was said to be 'a symbolic link to
/mnt/data, which does not exist', beside an ``ls`` that lists /mnt/data (h432: h388 and
h400 named the first target alone). The refusal now follows the chain to the target that
is missing; a single link keeps its words."""

from __future__ import annotations

import os

import pytest

from mia_defense.data import load_csv, load_mnist, load_npz
from mia_defense.errors import DataError


def _chain(tmp_path):
    """``data`` -> ``mnt`` -> ``disk/unmounted`` (absent): the links and the end."""
    first, second, end = tmp_path / "data", tmp_path / "mnt", tmp_path / "disk" / "unmounted"
    os.symlink(end, second)
    os.symlink(second, first)
    return first, second, end


@pytest.mark.parametrize(("load", "below", "kwargs"), [
    (load_csv, "sub/d.csv", {"label_column": "y"}),
    (load_npz, "d.npz", {}),
    (load_mnist, "mnist", {}),
])  # fmt: skip
def test_a_folder_above_the_path_linking_through_a_link_to_nothing(tmp_path, load, below,
                                                                   kwargs):
    first, second, end = _chain(tmp_path)
    with pytest.raises(DataError) as refused:
        load(path=first / below, **kwargs)
    assert (f"{first / below} lies in {first}, a symbolic link to {second}, a link to {end}, "
            "which does not exist") in str(refused.value)


def test_the_path_itself_linking_through_a_link_to_nothing(tmp_path):
    first, second, end = _chain(tmp_path)
    with pytest.raises(DataError) as refused:
        load_npz(path=first)
    assert (f"{first} is a symbolic link to {second}, a link to {end}, which does not "
            "exist") in str(refused.value)
