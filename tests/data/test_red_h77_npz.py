"""Red-team checks (helper 77) of the .npz and CIFAR loaders."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest

from mia_defense.data import load_cifar10, load_npz
from mia_defense.errors import ConfigError, DataError
from mia_defense.plan import make_plan


def test_an_npz_of_many_arrays_without_the_key_is_one_short_line(tmp_path):
    """An .npz of 50,000 arrays, none named x: every name went into the error, 489 KB."""
    one = io.BytesIO()
    np.save(one, np.zeros(1))
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(3000):
            archive.writestr(f"a{i:04d}.npy", one.getvalue())
    with pytest.raises(DataError) as caught:
        load_npz(path=path)
    message = str(caught.value)
    assert len(message) < 1000, len(message)
    assert "many.npz: no array 'x' (features); it holds ['a0000', 'a0001'," in message
    assert "... 2980 more ..., 'a2995', 'a2996', 'a2997', 'a2998', 'a2999'] (3000 arrays); set " \
        "dataset.x_key to one of them" in message


def test_a_cifar_batch_of_many_other_keys_is_one_short_line(tmp_path):
    """A pickled dict of 50,000 keys, none 'data': every key went into the error, 489 KB."""
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({f"k{i:04d}".encode(): i for i in range(3000)}, protocol=2))
    with pytest.raises(DataError) as caught:
        load_cifar10(path=path)
    message = str(caught.value)
    assert len(message) < 1000, len(message)
    assert "data_batch_1: missing key 'data' or 'labels' (found ['k0000', 'k0001'," in message
    assert "'k2999'] (3000 keys)); is this the right CIFAR variant" in message


def test_transposed_features_and_a_row_of_labels_say_so(tmp_path):
    """Arrays saved column per sample (as MATLAB or R write them) were refused with no hint
    that they were only transposed."""
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20) % 3
    np.savez(tmp_path / "xt.npz", x=x.T, y=y)
    with pytest.raises(DataError, match=r"xt.npz: 2 feature rows but 20 labels; they must match "
                                        r"\(the features look transposed, one column per "
                                        r"sample: save x.T\)"):
        load_npz(path=tmp_path / "xt.npz")
    np.savez(tmp_path / "yrow.npz", x=x, y=y[None, :])
    with pytest.raises(DataError, match=r"yrow.npz: 2-D labels \(1, 20\) must be one-hot .* "
                                        r"\(one row of labels: save y.ravel\(\)\)"):
        load_npz(path=tmp_path / "yrow.npz")


def test_a_num_classes_below_the_labels_names_the_setting(tmp_path):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(20) % 3)
    with pytest.raises(DataError, match=r"d.npz: labels must lie in \[0, 2\), found 2 at sample 2 "
                                        r"\(6 labels out of range\); dataset.num_classes=2 is "
                                        r"below them: set it to 3 or null \(from the labels\)"):
        load_npz(path=tmp_path / "d.npz", num_classes=2)
    with pytest.raises(ConfigError, match=r"d.npz: num_classes=1; need at least 2 classes; set "
                                        r"dataset.num_classes to the number of classes or null"):
        load_npz(path=tmp_path / "d.npz", num_classes=1)


def test_a_plan_larger_than_a_max_samples_subset_names_the_setting(tmp_path):
    """plan.population_size=150 on a 100-sample subset of a 200-sample file said 'the 100
    samples in dataset 'npz' (from d.npz)', though the file holds 200."""
    x = np.arange(400, dtype=np.float32).reshape(200, 2)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(200) % 3)
    data = load_npz(path=tmp_path / "d.npz", max_samples=100)
    with pytest.raises(ConfigError, match=r"too few samples for the plan; .* <= the 100 samples "
                                          r"in dataset 'npz' \(from .*d.npz, 100 of its 200 "
                                          r"samples \(dataset.max_samples\)\); lower"):
        make_plan(data, num_models=2, population_size=150, test_size=None, seed=0)
    assert load_npz(path=tmp_path / "d.npz", max_samples=500).source == str(tmp_path / "d.npz")


@pytest.mark.parametrize(("name", "split"), [("test_batch", "train"),
                                             ("data_batch_2.bin", "test")])
def test_one_cifar_batch_of_the_other_split_is_refused(tmp_path, name, split):
    """dataset.split=train with dataset.path at test_batch read the test batch, silently."""
    path = tmp_path / name
    images = np.zeros((4, 3072), np.uint8)
    if name.endswith(".bin"):
        path.write_bytes(np.concatenate([np.arange(4, dtype=np.uint8)[:, None] % 2, images],
                                        axis=1).tobytes())
    else:
        path.write_bytes(pickle.dumps({b"data": images, b"labels": [0, 1, 0, 1]}, protocol=2))
    with pytest.raises(ConfigError, match=rf"dataset.split='{split}' but dataset.path is "
                                          rf".*{name}, a {'test' if split == 'train' else 'train'}"
                                          r" batch; point dataset.path at the batch folder"):
        load_cifar10(path=path, split=split)
    assert len(load_cifar10(path=path, split="all", normalize=False)) == 4
