"""Two copies of CIFAR's python batches (loose in a folder and in its cifar-10-batches-py/)
holding different data were refused, rightly, as "(CIFAR batch files of split 'all', python
and python versions)": one version, twice. The refusal now says two copies of the python
version; the python and binary pair keeps its words (test_h240_cifar_two_versions)."""

from __future__ import annotations

import pytest

from mia_defense.data import load_cifar10
from mia_defense.errors import DataError
from tests.data.files import write_cifar_python


def test_two_copies_of_one_version_are_said_so(tmp_path):
    write_cifar_python(tmp_path, seed=0)
    write_cifar_python(tmp_path / "cifar-10-batches-py", seed=5)
    with pytest.raises(DataError) as info:
        load_cifar10(path=tmp_path)
    said = str(info.value)
    assert "python and python" not in said
    assert "two copies of the python version" in said
