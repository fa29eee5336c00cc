"""Hostile data inputs, ninth round: values Python reads but other tools do not (``1_000``),
NUL bytes in CSV text, ambiguous NPZ members, IDX images that are not bytes, and settings
given from Python that no file format has.

Each case either loads the right data or is one DataError/ConfigError naming the file (with
line and column, for a CSV) or the key, and what to do.
"""

from __future__ import annotations

import io
import pickle
import re
import struct
import warnings
import zipfile

import numpy as np
import pytest

from mia_defense.data import (
    load_cifar10,
    load_csv,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
    make_purchase_like,
    make_texas_like,
)
from mia_defense.errors import ConfigError, DataError
from tests.data.files import write_mnist

_ROWS = "".join(f"{i % 7},{i % 3},{i % 2}\n" for i in range(20))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,y\n1_000,2,0\n" + _ROWS, r"d.csv: line 2, column 'a' holds '1_000', a number only "
         r"to Python .*write it as 1000"),
        ("a,b,y\n1,2,1_0\n" + _ROWS, r"d.csv: line 2, column 'y' holds '1_0', .*write it as 10"),
    ],
)
def test_numbers_grouped_with_underscores_are_refused_naming_line_and_column(tmp_path, content,
                                                                            message):
    """float('1_000') is 1000 to Python, text to pandas: the feature read as 1000 and the label
    '1_0' as class 10, silently."""
    path = tmp_path / "d.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_csv(path=path, label_column="y")


def test_underscores_in_text_categories_and_labels_are_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"self_emp{i % 2},{i},c_{i % 2}\n" for i in range(20)))
    data = load_csv(path=path, label_column="y", standardize=False)
    assert data.class_labels == ("c_0", "c_1")
    assert data.x.shape == (20, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,y\nx\0y,1,0\n" + "".join(f"p,{i},{i % 2}\n" for i in range(20)),
         r"d.csv: line 2, column 'a' holds a NUL byte"),
        ("a,b,y\n1\0,1,0\n" + _ROWS, r"d.csv: line 2, column 'a' holds a NUL byte"),
        ("a,b,y\n1,2,a\0\n" + "".join(f"{i},{i},{'ab'[i % 2]}\n" for i in range(20)),
         r"d.csv: line 2, column 'y' holds a NUL byte"),
        ("a\0,b,y\n" + _ROWS, r"d.csv: column 1 of the header holds a NUL byte"),
    ],
)
def test_a_nul_byte_in_a_csv_is_refused_naming_line_and_column(tmp_path, content, message):
    """csv reads NUL as an ordinary character: 'x\\0y' became a category of its own, and a
    label 'a\\0' the same class as 'a' (numpy drops trailing NULs) with a confusing error."""
    path = tmp_path / "d.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message + r".*save it as UTF-8 text"):
        load_csv(path=path, label_column="y")


def test_utf16_without_a_byte_order_mark_is_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(("a,b,y\n" + _ROWS).encode("utf-16-le"))
    with pytest.raises(DataError, match=r"d.csv: column 1 of the header holds a NUL byte.*UTF-16"):
        load_csv(path=path, label_column="y")


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("second", ["y", "y.npy"])
def test_an_npz_with_two_members_for_one_array_is_refused(tmp_path, second):
    """A zip may hold 'y.npy' and 'y' (or one name twice); the labels read were whichever the
    zip listed last: here the flipped ones, silently."""
    path = tmp_path / "d.npz"
    y = np.arange(10) % 2
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
        archive.writestr("x.npy", _npy(np.random.default_rng(0).random((10, 3))))
        archive.writestr("y.npy", _npy(y))
        archive.writestr(second, _npy(1 - y))
    with pytest.raises(DataError, match=r"d.npz: holds two members for the array 'y' "
                       r"\('y.npy' and 'y(.npy)?'\).*save the arrays again with np.savez"):
        load_npz(path=path)


@pytest.mark.parametrize(("code", "dtype"), [(0x0D, ">f4"), (0x0C, ">i4")])
def test_idx_images_that_are_not_bytes_are_refused(tmp_path, code, dtype):
    """The loader scales pixels by 1/255: float images in [0, 1] came out in [0, 1/255], and
    int32 ones at any scale, silently (with normalize=false)."""
    folder = write_mnist(tmp_path / "mnist", n_train=10, n_test=4)
    pixels = np.random.default_rng(0).random((10, 28, 28)).astype(dtype)
    (folder / "train-images-idx3-ubyte").write_bytes(
        struct.pack(">BBBBIII", 0, 0, code, 3, 10, 28, 28) + pixels.tobytes())
    with pytest.raises(DataError, match=rf"train-images-idx3-ubyte: images are stored as "
                       rf"{np.dtype(dtype).name} \(IDX type {code:#04x}\); MNIST-style images "
                       r"are unsigned bytes 0..255 \(type 0x08\): save the pixels as uint8"):
        load_mnist(path=folder, normalize=False)


def test_a_tab_written_as_backslash_t_reads_a_tab_separated_file(tmp_path):
    """dataset.delimiter='\\t' on a command line reaches the loader as a backslash and a t
    (Hydra keeps it): a tab-separated file could not be named at all."""
    path = tmp_path / "d.tsv"
    path.write_text(("a,b,y\n" + _ROWS).replace(",", "\t"))
    data = load_csv(path=path, label_column="y", delimiter="\\t", standardize=False)
    assert data.x.shape == (20, 2)
    assert data.x[:3].tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]


@pytest.mark.parametrize("loader", [load_purchase100, load_texas100])
@pytest.mark.parametrize("base", [-1, 2, "1", 1.0, True])
def test_a_label_base_other_than_0_or_1_is_refused_naming_the_key(tmp_path, loader, base):
    """label_base=-1 moved labels 0..98 to 1..99 (class 0 empty) with a warning at most."""
    path = tmp_path / "d.npz"
    np.savez(path, features=np.zeros((4, 2)), labels=np.arange(4))
    with pytest.raises(ConfigError, match=rf"dataset.label_base={base!r}: must be 0 .*, 1 .* "
                       r"or null"):
        loader(path=path, label_base=base)


@pytest.mark.parametrize(("cell", "held"), [("-inf", "-inf"), ("1e39", "a value beyond float32")])
def test_an_infinite_or_huge_csv_value_names_its_line_and_column(tmp_path, cell, held):
    """The features' check named 'sample 3', counted from 0 after the header: no line of the
    file, and no column."""
    path = tmp_path / "d.csv"
    rows = _ROWS.splitlines(keepends=True)
    path.write_text("a,b,y\n" + "".join(rows[:3]) + f"1,{cell},0\n" + "".join(rows[3:]))
    with pytest.raises(DataError, match=rf"d.csv: features contain NaN or inf in 1 samples "
                       rf"\(first at sample 3\); line 5, column 'b' holds {held}"):
        load_csv(path=path, label_column="y", standardize=False)


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("{file} ", r"\(the value is '.*d.csv ': remove the spaces or quotes around .*d.csv\)"),
        ('"{file}"', r"\(the value is '\".*d.csv\"': remove the spaces or quotes around"),
        ("{file}\n", r"\(the value is '.*d.csv\\n': remove the spaces"),
        ("$DATA/d.csv", r"\(a \$VARIABLE in dataset.path is not expanded: write the full path"),
        ("https://example.org/d.csv", r"\(a URL: nothing is downloaded"),
    ],
)
def test_a_path_written_wrong_says_how(tmp_path, written, hint):
    """A trailing space or newline (pasted), quotes kept by a config file, $VARIABLE or a URL
    read as 'd.csv  does not exist', the cause invisible."""
    file = tmp_path / "d.csv"
    file.write_text("a,b,y\n" + _ROWS)
    with pytest.raises(DataError, match=r"does not exist; set dataset.path to .*" + hint):
        load_csv(path=written.format(file=file), label_column="y")


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((4, 2)), np.array(["a", "b", "a", "b"]), r"labels must be integers, got "
         r"dtype <U1; store class indices 0..C-1 .*or write the data as a CSV \(dataset=csv\)"),
        (np.array([["a", "b"]] * 4), np.arange(4) % 2, r"features must be numeric, got dtype "
         r"<U1; store numbers \(text categories: one-hot encode them, or use a CSV"),
    ],
)
def test_text_arrays_in_an_npz_say_what_to_do(tmp_path, x, y, message):
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=y)
    with pytest.raises(DataError, match=r"d.npz: " + message):
        load_npz(path=path)


def test_a_quote_never_closed_past_csvs_field_limit_names_the_line_it_opens(tmp_path):
    """Past 131072 characters csv stops with 'field larger than field limit': the message
    named neither a line nor the cause."""
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,0\n\"abc,1,0\n" + "p,1,0\n" * 25_000)
    with pytest.raises(DataError, match=r"d.csv: not a readable CSV text file \(field larger "
                       r"than field limit \(131072\)\) in the record that starts on line 3; .*"
                       r"a quote opened there and never closed"):
        load_csv(path=path, label_column="y")


@pytest.mark.parametrize("label", ["7.00000001", "7.4999999999"])
def test_purchase_text_labels_are_read_exactly(tmp_path, label):
    """The labels were parsed in float32 with the features: 7.00000001 became class 7, and
    7.4999999999 was refused as '7.5'."""
    path = tmp_path / "dataset_purchase"
    path.write_text(f"{label},1,0\n" + "".join(f"{1 + i % 9},{i % 2},1\n" for i in range(20)))
    with pytest.raises(DataError, match=rf"dataset_purchase: labels must be integer class "
                       rf"indices, found {label} at sample 0"):
        load_purchase100(path=path, label_base=1)


def test_purchase_text_read_by_value_and_first_line_errors(tmp_path):
    path = tmp_path / "dataset_purchase"
    path.write_text("\ufeff# exported\n\n3,1,0\n1,0,1\n2,1,1\n")
    data = load_purchase100(path=path, label_base=1)
    assert data.y.tolist() == [2, 0, 1]
    assert data.x.tolist() == [[1, 0], [0, 1], [1, 1]]
    assert data.x.flags.c_contiguous
    path.write_text("3;1;0\n1;0;1\n")
    with pytest.raises(DataError, match=r"dataset_purchase: need a label column and features, "
                       r"got 1 column \(are the values separated by ';'\? use commas\)"):
        load_purchase100(path=path)


def test_a_csv_label_that_is_no_integer_by_a_hair_is_refused(tmp_path):
    """float('1.0000000000000001') is 1.0: the label was taken as class 1."""
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,1.0000000000000001\n" + _ROWS.replace(",0\n", ",0.0\n"))
    with pytest.raises(DataError, match=r"d.csv: column 'y' must hold integer class indices or "
                       r"text labels, found '1.0000000000000001' on line 2"):
        load_csv(path=path, label_column="y")
    path.write_text("a,b,y\n1,2,1e0\n" + _ROWS.replace(",0\n", ",0.0\n"))
    assert load_csv(path=path, label_column="y").y.tolist()[:3] == [1, 0, 1]


def test_a_numeric_label_column_name_given_as_an_integer_is_its_header_name(tmp_path, make_cfg):
    """dataset.label_column=5 reaches the loader as the integer 5 (Hydra): refused by the
    config check as no string, though pandas' default header is 0,1,2,..."""
    from mia_defense.config import check_config

    path = tmp_path / "d.csv"
    path.write_text("0,1,2\n" + _ROWS)
    assert check_config(make_cfg("dataset=csv", f"dataset.path={path}",
                                 "dataset.label_column=2")) is None
    data = load_csv(path=path, label_column=2, standardize=False)
    assert data.x.shape == (20, 2)
    assert data.y.tolist()[:3] == [0, 1, 0]


def test_excels_sep_line_is_read_or_names_the_delimiter(tmp_path):
    """Excel may start a CSV with 'sep=;': read as the header, the hint said to set
    dataset.delimiter=';', after which the header was ['sep=', ''] and no hint remained."""
    path = tmp_path / "d.csv"
    path.write_text("sep=;\na;b;y\n" + _ROWS.replace(",", ";") + "1;2\n")
    with pytest.raises(DataError, match=r"d.csv: line 1 is 'sep=;': Excel's note that the fields "
                       r"are separated by ';'; set \"dataset.delimiter=';'\"$"):
        load_csv(path=path, label_column="y")
    with pytest.raises(DataError, match=r"d.csv: line 23 has 2 fields"):  # lines still count
        load_csv(path=path, label_column="y", delimiter=";")
    path.write_text("sep=;\na;b;y\n" + _ROWS.replace(",", ";"))
    assert load_csv(path=path, label_column="y", delimiter=";").x.shape == (20, 2)


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        (make_purchase_like, {"num_profiles": -5}, r"num_profiles=-5: must lie in \[1, 200\]"),
        (make_purchase_like, {"num_profiles": 0}, r"num_profiles=0: must lie in \[1, 200\]"),
        (make_purchase_like, {"num_profiles": 2.5}, r"num_profiles=2.5: .*\(an integer\)"),
        (make_purchase_like, {"basket_size": 2.5}, r"basket_size=2.5: must lie in \[1, 600\]"),
        (make_texas_like, {"codes_per_class": 2.5}, r"codes_per_class=2.5: must lie in"),
    ],
)
def test_generator_settings_given_from_python_are_checked(make, options, message):
    """num_profiles=-5 was numpy's 'negative dimensions are not allowed', 2.5 a TypeError
    traceback, 0 fell back to num_classes unsaid."""
    with pytest.raises(ConfigError, match=r"dataset\." + message):
        make(num_samples=200, **options)


def test_idx_train_and_test_images_of_other_sizes_say_which_and_what_to_do(tmp_path):
    folder = write_mnist(tmp_path / "mnist", n_train=10, n_test=4)
    images = np.zeros((4, 20, 20), dtype=np.uint8)
    (folder / "t10k-images-idx3-ubyte").write_bytes(
        struct.pack(">BBBBIII", 0, 0, 0x08, 3, 4, 20, 20) + images.tobytes())
    with pytest.raises(DataError, match=r"mnist: train images are 28x28 pixels but test images "
                       r"20x20; .*dataset.split=train or test"):
        load_mnist(path=folder)
    assert load_mnist(path=folder, split="train").x.shape == (10, 1, 28, 28)


def test_a_cifar_batch_of_float_pixels_names_the_dtype_and_what_to_do(tmp_path):
    """The message said "got ndarray" for an array of the wrong dtype."""
    path = tmp_path / "data_batch_1"
    batch = {b"data": np.zeros((4, 3072), dtype=np.float32), b"labels": [0, 1, 0, 1]}
    path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_1: 'data' must be a uint8 array \(pixels "
                       r"0..255\), got dtype float32; use the original CIFAR batch"):
        load_cifar10(path=path)


def test_empty_byte_strings_in_protocol_2_pickles_load_and_bytes_of_a_size_does_not():
    """Python 3 pickles b'' under protocols 0-2 as a call of bytes(): a CIFAR batch with an
    empty label or file name was refused as 'not a plain data pickle'."""
    from pathlib import Path

    from mia_defense.data.safe_pickle import safe_loads

    batch = {b"batch_label": b"", b"filenames": [b"", b"a.png"], b"data": np.zeros((2, 3))}
    loaded = safe_loads(pickle.dumps(batch, protocol=2), source=Path("b"), encoding="bytes")
    assert loaded[b"batch_label"] == b"" and loaded[b"filenames"] == [b"", b"a.png"]
    forged = pickle.dumps(b"", protocol=2).replace(b")R", b"K\x05\x85R")  # bytes(5)
    assert forged != pickle.dumps(b"", protocol=2)
    with pytest.raises(DataError, match=r"b: not a plain data pickle \(bytes\(\) is only "
                       r"allowed without arguments"):
        safe_loads(forged, source=Path("b"), encoding="bytes")


@pytest.mark.parametrize("values", [["3,5", "4,25", "1.234,5"], ["12%", "7.5%", "5 %"],
                                    ["$3.50", "$4", "€ 1,000"]])
def test_a_column_of_numbers_written_for_people_is_refused(tmp_path, values):
    """A European export (decimal commas, delimiter ';') or a column of percentages: each
    distinct number became a one-hot category of its own, silently."""
    path = tmp_path / "d.csv"
    path.write_text("a;b;y\n" + "".join(f"{values[i % 3]};{i % 4};{i % 2}\n" for i in range(12)))
    with pytest.raises(DataError, match=rf"d.csv: column 'a' holds numbers written as text "
                       rf"\('{re.escape(values[0])}' on line 2, .*write plain numbers with a "
                       r"decimal point"):
        load_csv(path=path, label_column="y", delimiter=";")


def test_text_columns_that_only_partly_look_like_numbers_stay_categories(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a;b;y\n" + "".join(f"{['3,5', '1-2', 'n/a'][i % 3]};{i % 4};{i % 2}\n"
                                        for i in range(12)))
    assert load_csv(path=path, label_column="y", delimiter=";").x.shape == (12, 4)
