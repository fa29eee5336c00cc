"""Red-team checks of data paths the loaders cannot read: symbolic-link loops."""

from __future__ import annotations

import os

import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError
from tests.data.files import write_mnist


def test_symlink_loop_inside_the_folder_is_named_not_blamed_on_permissions(tmp_path):
    # ELOOP was reported as "cannot be accessed ...; make it readable for this user (chmod,
    # or ask its owner)": advice that cannot help with a link that leads back to itself
    folder = write_mnist(tmp_path / "mnist")
    images = folder / "train-images-idx3-ubyte"
    images.unlink()
    os.symlink(folder / "other", images)
    os.symlink(images, folder / "other")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: cannot be accessed \(Too "
                                        r"many levels of symbolic links\); a symbolic link "
                                        r"that leads back to itself: point it at the file"
                       ) as caught:
        load_mnist(path=folder)
    assert "chmod" not in str(caught.value)


def test_image_label_out_of_range_names_its_batch_file(tmp_path):
    # "<folder>: labels must lie in [0, 10), found 10 at sample 25": a count over the
    # batches pooled; which file holds it was left to guess
    import pickle

    from mia_defense.data import load_cifar10
    from tests.data.files import write_cifar_python

    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    batch = folder / "data_batch_2"
    content = pickle.loads(batch.read_bytes())
    content[b"labels"][5] = 10
    batch.write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(DataError, match=r"labels must lie in \[0, 10\), found 10 at sample 25 "
                                        r"\(1 labels out of range\); sample 25 is sample 5 of "
                                        r".*data_batch_2$"):
        load_cifar10(path=folder)
