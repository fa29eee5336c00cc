"""Red-team checks of users' data files (helper h80): pixels, hex text, label copies, shapes."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import (
    checks,
    copies,
    load_cifar10,
    load_cifar100,
    load_csv,
    load_mnist,
    load_npz,
)
from mia_defense.errors import DataError
from tests.data.files import (
    idx_bytes,
    images_with_signal,
    write_cifar_binary,
    write_cifar_python,
)


def test_uint8_images_in_an_npz_are_scaled_as_the_image_loaders_scale_theirs(tmp_path, caplog):
    # np.savez(x=cifar_uint8) trained on 0..255 with the default dataset.standardize=false,
    # where dataset=cifar10 scales the same pixels to [0, 1]
    x, y = images_with_signal(30, channels=3, size=8, classes=3)
    path = tmp_path / "images.npz"
    np.savez(path, x=x, y=y)
    with caplog.at_level(logging.INFO, logger="mia_defense"):
        data = load_npz(path=path)
    np.testing.assert_allclose(data.x, x / 255, rtol=1e-6)
    assert f"{path}: uint8 images (0..255) scaled to [0, 1]" in caplog.text


def test_binary_uint8_images_are_kept_as_they_are(tmp_path):
    x = (images_with_signal(30, channels=1, size=8, classes=3)[0] > 100).astype(np.uint8)
    path = tmp_path / "masks.npz"
    np.savez(path, x=x, y=np.arange(30) % 3)
    np.testing.assert_array_equal(load_npz(path=path).x, x)


def test_flat_uint8_pixels_are_warned_naming_the_setting(tmp_path, caplog):
    x, y = images_with_signal(30, channels=1, size=8, classes=3)
    path = tmp_path / "flat.npz"
    np.savez(path, x=x.reshape(30, -1), y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        data = load_npz(path=path)
    assert data.x.max() > 1  # not changed: they may be counts
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(path) in m and "uint8 with values up to" in m
               and "dataset.standardize=true" in m for m in warned), warned


@pytest.mark.parametrize("standardize", [True, False])
def test_float_features_are_not_scaled(tmp_path, standardize):
    x = np.random.default_rng(0).normal(size=(30, 1, 8, 8)).astype(np.float32) * 50
    path = tmp_path / "float.npz"
    np.savez(path, x=x, y=np.arange(30) % 3)
    data = load_npz(path=path, standardize=standardize)
    assert (data.x.std() > 10) != standardize


def _csv(path, header: str, rows: list[str]):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_a_column_of_hex_numbers_is_warned_naming_it(tmp_path, caplog):
    # "0x1f" is text to float(): each value became a one-hot category, silently
    rows = [f"{hex(17 * i)},{i % 2}" for i in range(1, 13)]
    path = _csv(tmp_path / "hex.csv", "flags,label", rows)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        data = load_csv(path=path, label_column="label")
    assert data.x.shape[1] == 12  # still categories: codes may be meant so
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("column 'flags' holds numbers in base 16" in m and "'0x11' on line 2" in m
               and "'0x11' is 17" in m for m in warned), warned


def test_text_categories_are_not_taken_for_hex(tmp_path, caplog):
    rows = [f"{c},{i % 2}" for i, c in enumerate(["0xa", "red", "0x1f", "blue"] * 3)]
    path = _csv(tmp_path / "mixed.csv", "colour,label", rows)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_csv(path=path, label_column="label")
    assert "base 16" not in caplog.text


def test_hex_among_decimal_numbers_says_to_write_it_in_decimal(tmp_path):
    path = _csv(tmp_path / "h.csv", "size,label", ["12,0", "0x1f,1", "3,0", "4,1"])
    with pytest.raises(DataError, match=r"column 'size' mixes numbers \('12' on line 2\) and "
                       r"text \('0x1f' on line 3\).* \('0x1f' is a number in base 16: write "
                       r"it in decimal, 31\)"):
        load_csv(path=path, label_column="label")


@pytest.mark.parametrize("copy", ["{label}", "{label_plus}", "c{label}"])
def test_a_feature_column_copying_the_label_is_warned_naming_it(tmp_path, caplog, copy):
    # the model learns the label from its copy: test accuracy and the attacks measure nothing
    rng = np.random.default_rng(0)
    rows = [f"{rng.normal():.3f},{copy.format(label=i % 3, label_plus=i % 3 + 10)},{i % 3}"
            for i in range(30)]
    path = _csv(tmp_path / "leak.csv", "age,income_copy,income", rows)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_csv(path=path, label_column="income")
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"{path}: feature column ['income_copy'] determines the label" in m
               and "drop the column" in m for m in warned), warned


def test_a_label_copy_in_an_npz_is_warned_by_its_index(tmp_path, caplog):
    rng = np.random.default_rng(0)
    y = np.arange(40) % 4
    x = np.column_stack([rng.normal(size=40), rng.normal(size=40), y * 2.0])
    path = tmp_path / "leak.npz"
    np.savez(path, x=x, y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert "feature column [2] (counting from 0) determines the label" in caplog.text


def test_a_feature_that_only_tends_with_the_label_is_not_warned(tmp_path, caplog):
    y = np.arange(40) % 4
    x = np.column_stack([y // 2, np.arange(40)]).astype(np.float32)  # two classes per value
    path = tmp_path / "fine.npz"
    np.savez(path, x=x, y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert "determines the label" not in caplog.text


def test_a_copy_broken_after_the_first_rows_compared_is_no_copy(monkeypatch):
    monkeypatch.setattr(copies, "_COPY_ROWS", 3)
    y = np.arange(12) % 2
    x = np.column_stack([y, y + 5, y]).astype(np.float32)
    x[10, 2] = 7  # one sample of class 0 with another value, in the fourth chunk
    assert copies.label_copies(x, y).tolist() == [0, 1]


@pytest.mark.parametrize(("model", "shape"), [("cnn", (32, 32, 3)), ("resnet", (28, 28, 1))])
def test_channels_last_images_are_told_to_transpose(tmp_path, model, shape):
    # np.savez(x=cifar) of [N, 32, 32, 3] with model=cnn was told only "use model=mlp"
    from mia_defense.errors import ConfigError
    from mia_defense.models.cnn import image_shape

    path = tmp_path / "hwc.npz"
    np.savez(path, x=np.zeros((10, *shape), np.float32), y=np.arange(10) % 2)
    with pytest.raises(ConfigError, match=r"use model=mlp for flat features; images stored "
                       r"channels-last \[H, W, C\] = \[\d+, \d+, [13]\]: transpose them to "
                       r"\[N, C, H, W\] \(x\.transpose\(0, 3, 1, 2\)\)"):
        image_shape(load_npz(path=path).input_shape, model=model)


def test_flat_features_are_not_told_to_transpose():
    from mia_defense.errors import ConfigError
    from mia_defense.models.cnn import image_shape

    with pytest.raises(ConfigError, match=r"use model=mlp for flat features$"):
        image_shape((64,), model="cnn")


@pytest.mark.parametrize("load", [lambda p: load_csv(path=p, label_column="y"),
                                  lambda p: load_cifar10(path=p)])
def test_an_npz_given_to_another_loader_is_told_to_use_dataset_npz(tmp_path, load):
    # it was told it is "a zip archive ...; extract it (tar xf, gunzip or unzip)"
    path = tmp_path / "data.csv"
    np.savez(tmp_path / "data.npz", x=np.zeros((4, 2)), y=np.arange(4) % 2)
    (tmp_path / "data.npz").rename(path)
    with pytest.raises(DataError, match=r"data\.csv: is a zip archive, not .*; extract it .* "
                                         r"\(it is an \.npz of numpy arrays saved with "
                                         r"np\.savez: do not extract it, read it with "
                                         r"dataset=npz"):
        load(path)


def test_a_csv_given_to_dataset_npz_is_told_to_use_dataset_csv(tmp_path):
    path = _csv(tmp_path / "data.npz", "a,y", ["1,0", "2,1"])
    with pytest.raises(DataError, match=r"data\.npz: not a valid \.npz file \(no zip signature\); "
                                        r"save the arrays with np\.savez; it is text \(a CSV "
                                        r"file\? read it with dataset=csv"):
        load_npz(path=path)


def test_a_binary_file_given_to_dataset_npz_is_not_called_text(tmp_path):
    path = tmp_path / "data.npz"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(DataError, match=r"save the arrays with np\.savez$"):
        load_npz(path=path)


@pytest.mark.parametrize("dtype", [np.float32, np.uint16, np.int16])
def test_images_of_whole_numbers_in_another_dtype_are_warned(tmp_path, caplog, dtype):
    # np.savez(x=cifar.astype(np.float32)) trained on 0..255 without a word
    x, y = images_with_signal(30, channels=3, size=8, classes=3)
    path = tmp_path / "pixels.npz"
    np.savez(path, x=x.astype(dtype), y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        data = load_npz(path=path)
    assert data.x.max() > 1
    assert (f"{path}: array 'x' holds images of whole numbers up to {x.max()}" in caplog.text
            and "dataset.standardize=true" in caplog.text), caplog.text


def test_scaled_float_images_are_not_warned(tmp_path, caplog):
    x, y = images_with_signal(30, channels=3, size=8, classes=3)
    path = tmp_path / "scaled.npz"
    np.savez(path, x=x / np.float32(127.5) - 1, y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert "whole numbers" not in caplog.text


def test_features_the_same_for_every_sample_are_warned(tmp_path, caplog):
    # an array of zeros as x: every model answers the class frequencies and the attacks
    # report no leak, a verdict about nothing
    path = tmp_path / "zeros.npz"
    np.savez(path, x=np.zeros((5000, 3)), y=np.arange(5000) % 2)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert f"{path}: all 5000 samples have the same features (3 values each)" in caplog.text


def test_features_that_differ_after_the_first_rows_compared_are_not_warned(tmp_path, caplog):
    x = np.zeros((5000, 3))
    x[4999, 2] = 1
    path = tmp_path / "late.npz"
    np.savez(path, x=x, y=np.arange(5000) % 2)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert "have the same features" not in caplog.text


_IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")


def _mnist(folder, place) -> None:
    """An MNIST folder of 20 + 20 images, each file at ``place(folder, name)``."""
    x, y = images_with_signal(20, channels=1, size=28, classes=10)
    for name, array in zip(_IDX_NAMES, (x[:, 0], y, x[:, 0], y), strict=True):
        path = place(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(idx_bytes(array))


@pytest.mark.parametrize("place", [
    lambda folder, name: folder / name.replace("-idx", ".idx"),  # the Kaggle copy's names
    lambda folder, name: folder / name / name,  # each in a folder of its name (unpacked so)
])
def test_mnist_files_as_the_kaggle_copy_and_unpacking_tools_leave_them_load(tmp_path, place):
    # refused as "not found" and as "is a directory, not a regular file; point dataset.path
    # at the data file itself", where the loader takes the folder
    _mnist(tmp_path, place)
    data = load_mnist(path=tmp_path)
    assert len(data) == 40 and data.input_shape == (1, 28, 28)


def test_a_folder_in_place_of_an_idx_file_holding_none_says_where_the_file_goes(tmp_path):
    _mnist(tmp_path, lambda folder, name: folder / name)
    (tmp_path / _IDX_NAMES[0]).unlink()
    (tmp_path / _IDX_NAMES[0]).mkdir()
    with pytest.raises(DataError, match=rf"{_IDX_NAMES[0]}: is a folder, where the IDX file "
                                        rf"{_IDX_NAMES[0]}\[\.gz\] was expected, and holds no "
                                        rf"file of that name; put the file itself in "):
        load_mnist(path=tmp_path)


@pytest.mark.parametrize(("write", "load", "other"), [
    (lambda f: write_cifar_python(f / "cifar-100-python", cifar100=True), load_cifar10,
     "cifar100"),
    (lambda f: write_cifar_binary(f / "cifar-10-batches-bin"), load_cifar100, "cifar10"),
])
def test_the_other_cifar_is_named_when_its_files_are_given(tmp_path, write, load, other):
    folder = write(tmp_path)
    with pytest.raises(DataError, match=rf"no CIFAR batch files for split 'all' in .*; "
                                        rf"expected .* \({folder} holds {other}'s batch files: "
                                        rf"set dataset={other}\)$"):
        load(path=tmp_path)


@pytest.mark.parametrize("features", [(20, 3), (20, 3, 8, 8)])
def test_features_and_labels_swapped_say_which_keys_to_set(tmp_path, features):
    path = tmp_path / "swapped.npz"
    np.savez(path, x=np.arange(20) % 2, y=np.random.default_rng(0).random(features))
    with pytest.raises(DataError, match=r"swapped\.npz: .*labels.*; the features array 'x' "
                                        r"\(20,\) looks like the labels .*: set "
                                        r"dataset\.x_key=y and dataset\.y_key=x$"):
        load_npz(path=path)


def test_a_scipy_sparse_npz_is_told_to_save_a_dense_array(tmp_path):
    path = tmp_path / "sparse.npz"
    np.savez(path, data=np.ones(3), indices=np.arange(3), indptr=np.arange(4),
             format=np.array("csr"), shape=np.array([3, 3]))  # what scipy.sparse.save_npz writes
    with pytest.raises(DataError, match=r"no array 'x' \(features\); .*; it is a scipy\.sparse "
                                        r"matrix .*np\.savez\(path, x=matrix\.toarray\(\), "
                                        r"y=labels\)$"):
        load_npz(path=path)


def test_mnist_image_and_label_files_swapped_say_so(tmp_path):
    _mnist(tmp_path, lambda folder, name: folder / name)
    images, labels = (tmp_path / n for n in _IDX_NAMES[:2])
    images.rename(tmp_path / "kept")
    labels.rename(images)
    (tmp_path / "kept").rename(labels)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: images must be \[N, H, W\], "
                                        r"got shape \(20,\) \(one value per sample: labels; if "
                                        r"train-labels-idx1-ubyte holds the images, the two "
                                        r"files' names are swapped: rename them\)"):
        load_mnist(path=tmp_path)


def test_unscaled_large_features_in_an_npz_are_warned_naming_the_column(tmp_path, caplog):
    # incomes of 50000 beside ages trained as they were with dataset.standardize=false
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(18, 90, 40), rng.normal(50000, 9000, 40)])
    path = tmp_path / "adult.npz"
    np.savez(path, x=x, y=np.arange(40) % 2)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
        assert "(column 1, counting from 0), used as they are" in caplog.text
        assert "dataset.standardize=true" in caplog.text
        caplog.clear()
        load_npz(path=path, standardize=True)
        np.savez(path, x=x[:, :1], y=np.arange(40) % 2)
        load_npz(path=path)
    assert "used as they are" not in caplog.text


@pytest.mark.parametrize("ids", [np.arange(10001, 10031),
                                 np.random.default_rng(0).permutation(30)])
def test_an_id_column_from_any_start_or_shuffled_is_warned(tmp_path, caplog, ids):
    # customer ids 10001.. or a shuffled file's index: unique per record, learnable, unwarned
    rng = np.random.default_rng(1)
    rows = [f"{i},{rng.normal():.3f},{k % 2}" for k, i in enumerate(ids)]
    path = _csv(tmp_path / "ids.csv", "customer,x,label", rows)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_csv(path=path, label_column="label")
    assert (f"column 'customer' counts the rows ({ids.min()} to {ids.max()}): a row number "
            "or id") in caplog.text


def test_whole_numbers_with_repeats_or_gaps_are_no_id(tmp_path, caplog):
    rng = np.random.default_rng(1)
    rows = [f"{a},{b},{k % 2}" for k, (a, b) in enumerate(
        zip(rng.integers(18, 90, 30), rng.permutation(31)[:30] * 2, strict=True))]
    path = _csv(tmp_path / "ages.csv", "age,even,label", rows)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_csv(path=path, label_column="label")
    assert "counts the rows" not in caplog.text


def test_the_labels_one_hot_among_the_features_are_warned(tmp_path, caplog):
    # np.savez(x=np.hstack([x, np.eye(4)[y]]), y=y): no one column determines the label
    rng = np.random.default_rng(0)
    y = np.arange(40) % 4
    path = tmp_path / "onehot.npz"
    np.savez(path, x=np.hstack([rng.normal(size=(40, 2)), np.eye(4)[y]]), y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        load_npz(path=path)
    assert "feature column [2, 3, 4, 5] (counting from 0) determines the label" in caplog.text


def test_a_column_marking_one_class_alone_is_no_copy():
    y = np.arange(40) % 4
    x = np.column_stack([y == 0, y == 1, y // 2]).astype(np.float32)  # classes 2, 3 unmarked
    assert checks.label_copies(x, y).tolist() == []


def test_a_symlink_loop_as_dataset_path_says_what_it_is(tmp_path):
    path = tmp_path / "loop.npz"
    path.symlink_to(path)
    with pytest.raises(DataError, match=r"loop\.npz cannot be accessed \(Too many levels of "
                                        r"symbolic links\); set dataset\.path to .*; a symbolic "
                                        r"link that leads back to itself: point it at the file"):
        load_npz(path=path)


def test_an_npz_given_to_dataset_mnist_is_told_to_use_dataset_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x=np.zeros((4, 28, 28), np.uint8), y=np.arange(4) % 2)
    with pytest.raises(DataError, match=r"mnist\.npz is a file; point dataset\.path at its "
                                        r"folder \(it is an \.npz of numpy arrays, not an IDX "
                                        r"file: read it with dataset=npz"):
        load_mnist(path=path)
