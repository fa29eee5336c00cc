"""Hostile data inputs, second round: loader arguments of the wrong type given through the
Python API, class counts the data cannot fill, unknown home directories, partial CIFAR
folders, compressed or mis-encoded CSV files, unclosed quotes and look-alike duplicates.

Each case either works correctly or is one DataError/ConfigError naming the path or key.
"""

from __future__ import annotations

import io
import logging
import os
import tarfile
import zipfile

import numpy as np
import pytest

from mia_defense import files
from mia_defense.data import (
    guards,
    load_cifar10,
    load_csv,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
    make_purchase_like,
    make_texas_like,
)
from mia_defense.data.checks import duplicate_count
from mia_defense.errors import ConfigError, DataError
from tests.data.files import write_cifar_python, write_mnist

_CSV = "a,b,y\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(40))


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(_CSV)
    return path


@pytest.fixture
def npz_file(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.random.default_rng(0).random((40, 3)), y=np.arange(40) % 2)
    return path


@pytest.mark.parametrize("loader", ["csv", "npz"])
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"num_classes": "2"}, r"dataset.num_classes='2': must be an integer >= 2 or null"),
        ({"num_classes": 2.5}, r"dataset.num_classes=2.5: must be an integer >= 2 or null"),
        ({"max_samples": "5"}, r"dataset.max_samples='5': must be an integer >= 2 or null"),
        ({"max_samples": 2.5}, r"dataset.max_samples=2.5: must be an integer >= 2 or null"),
    ],
)
def test_loader_settings_of_the_wrong_type_name_their_key(csv_file, npz_file, loader, options,
                                                           message):
    """Through the Python API no config check runs first: the loaders check their settings
    (a str num_classes was a raw TypeError, 2.5 classes silently became 2)."""
    with pytest.raises(ConfigError, match=message):
        if loader == "csv":
            load_csv(path=csv_file, label_column="y", **options)
        else:
            load_npz(path=npz_file, **options)


@pytest.mark.parametrize("loader", ["csv", "npz"])
def test_a_class_count_no_data_can_fill_is_refused(csv_file, npz_file, loader):
    """num_classes=100000 on 40 samples labelled 0/1 trained 100000-way models and then
    allocated 74.5 GiB in an attack (np.eye(C)): a raw MemoryError after training."""
    with pytest.raises(DataError, match=r"dataset.num_classes=100000 .* 40 samples .* labels "
                       r"up to 1.*set dataset.num_classes to the number of classes"):
        if loader == "csv":
            load_csv(path=csv_file, label_column="y", num_classes=100000)
        else:
            load_npz(path=npz_file, num_classes=100000)
    # classes up to the largest label stay allowed, even with fewer samples than classes
    assert load_npz(path=npz_file, num_classes=40).num_classes == 40


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("~no_such_user_mia/x.npz", DataError, r"~no_such_user_mia/x.npz: no user "
         r"'no_such_user_mia' for '~'.*set dataset.path"),
        ("bad\0name.npz", DataError, r"dataset.path 'bad\\x00name.npz' holds a NUL byte"),
        (5, ConfigError, r"dataset.path=5: must be a path"),
    ],
)
def test_paths_no_file_could_have_are_named(path, error, message):
    """An unknown ~user was a raw RuntimeError (a ConfigError quoting it through mia-train);
    a NUL byte a raw ValueError; a number a raw TypeError."""
    with pytest.raises(error, match=message):
        load_npz(path=path)


def test_timedeltas_are_neither_labels_nor_features(tmp_path):
    """numpy counts timedelta64 as an integer type: durations were taken as class indices."""
    x = np.random.default_rng(0).random((6, 2))
    np.savez(tmp_path / "t.npz", x=x, y=np.array([0, 1, 2, 0, 1, 2], dtype="timedelta64[s]"))
    with pytest.raises(DataError, match=r"t.npz: labels must be integers, got dtype timedelta64"):
        load_npz(path=tmp_path / "t.npz")
    np.savez(tmp_path / "f.npz", x=x.astype("timedelta64[s]"), y=np.arange(6) % 2)
    with pytest.raises(DataError, match=r"f.npz: features must be numeric, got dtype timedelta64"):
        load_npz(path=tmp_path / "f.npz")


def test_the_same_array_as_features_and_labels_is_refused(npz_file):
    with pytest.raises(ConfigError, match=r"dataset.x_key and dataset.y_key both name 'y'"):
        load_npz(path=npz_file, x_key="y", y_key="y")


def test_a_cifar_folder_missing_batches_says_which(tmp_path, caplog):
    """A half-extracted archive loaded what was there without a word: a smaller dataset."""
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")  # data_batch_1, _2, test_batch
    os.remove(folder / "data_batch_2")
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        data = load_cifar10(path=folder)
    assert len(data) == 40
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("data_batch_2" in w and "data_batch_5" in w and "missing" in w
               for w in warnings), warnings
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        load_cifar10(path=folder / "data_batch_1")  # one batch named on purpose: no warning
    assert not [r for r in caplog.records if "batch files" in r.getMessage()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # (a gzip, bzip2 or xz-compressed CSV is read since helpers 237 and 278:
        # tests/data/test_h237_gzip_csv.py, test_h278_compressed_csv.py)
        (b"7z\xbc\xaf\x27\x1c" + bytes(40), r"d.csv: is a 7-Zip archive, not a CSV text file; "
         r"extract it"),
        (b"PK\x03\x04" + bytes(40), r"d.csv: is a zip archive, not a CSV text file; extract it"),
        (_CSV.encode("utf-16"), r"d.csv: .*UTF-16.*save it as UTF-8"),
        ("a,y\ncaf\xe9,1\nthe,0\n".encode("latin-1"), r"d.csv: .*save it as UTF-8"),
    ],
)
def test_a_csv_that_is_not_utf8_text_says_what_it_is(tmp_path, content, message):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_csv(path=path, label_column="y")


def test_an_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    """The csv module reads an unclosed quote to the end of the file: the error named the
    last line, not the one to fix."""
    path = tmp_path / "q.csv"
    path.write_text('a,b,y\n1,2,0\n"abc,1,0\n1,2,1\n3,4,0\n')
    with pytest.raises(DataError, match=r'q.csv: line 3 has 1 fields but the header has 3 '
                       r'\(a quoted field runs from line 3 to line 5: close its "\)'):
        load_csv(path=path, label_column="y")


def test_purchase_and_texas_text_files_may_start_with_a_byte_order_mark(tmp_path):
    (tmp_path / "dataset_purchase").write_text("\ufeff1,0,1\n2,1,0\n3,1,1\n")
    assert list(load_purchase100(path=tmp_path, label_base=1).y) == [0, 1, 2]
    texas = tmp_path / "texas" / "100"
    texas.mkdir(parents=True)
    (texas / "feats").write_text("\ufeff0,1\n1,0\n1,1\n")
    (texas / "labels").write_text("\ufeff1\n2\n3\n")
    assert load_texas100(path=tmp_path / "texas").x.shape == (3, 2)


def test_zero_and_negative_zero_are_the_same_record():
    """Exact copies were compared byte for byte: 0.0 and -0.0 hid a duplicate."""
    x = np.array([[0.0, 1.0], [-0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    assert duplicate_count(x) == 2
    assert np.signbit(x[1, 0])  # the caller's array is left as it was
    assert duplicate_count(x, overwrite=True) == 2


def test_a_missing_relative_path_says_where_it_was_looked_for(tmp_path, monkeypatch):
    """With hydra.job.chdir=true the working directory is the run directory: 'probe/ok.csv
    does not exist' about a file the user can see in the launch directory."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=rf"sub/d.csv does not exist; set dataset.path to .* "
                       rf"\(a relative path is read from the working directory, {tmp_path};"):
        load_csv(path="sub/d.csv", label_column="y")


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"population_size": "10", "test_size": None}, r"dataset.plan.population_size='10': "
         r"must be an integer or null"),
        ({"population_size": None, "test_size": 2.5}, r"dataset.plan.test_size=2.5: must be"),
        (5, r"dataset.plan=5: must be the plan's settings"),
    ],
)
def test_plan_settings_of_the_wrong_type_given_to_load_csv_name_their_key(csv_file, plan,
                                                                        message):
    """The CSV loader draws the plan's test split itself: a str size was a raw TypeError."""
    with pytest.raises(ConfigError, match=message):
        load_csv(path=csv_file, label_column="y", plan=plan)


@pytest.mark.parametrize("make", [make_purchase_like, make_texas_like])
def test_a_generated_task_past_the_memory_budget_is_refused_before_it_is_drawn(make,
                                                                                monkeypatch):
    """dataset=purchase_like dataset.num_samples=1000000000 allocated for minutes (the
    machine swapped) instead of saying it cannot fit."""
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 1 << 30)
    with pytest.raises(DataError, match=r"dataset.num_samples=1000000000, dataset.num_features="
                       r"600: generating \w+_like would need 15646.2 GiB of memory"):
        make(num_samples=10**9, num_features=600, num_classes=100, seed=0)
    with pytest.raises(ConfigError, match=r"dataset.num_samples='100': must be an integer"):
        make(num_samples="100", seed=0)


def _tar_gz(member: bytes, *, compress: bool) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as archive:
        info = tarfile.TarInfo("dataset/file")
        info.size = len(member)
        archive.addfile(info, io.BytesIO(member))
    return buffer.getvalue()


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    ("loader", "name", "expected"),
    [
        (load_cifar10, "cifar-10-python.tar.gz", "a CIFAR batch file"),
        (load_purchase100, "dataset_purchase", "a comma-separated text file"),
        (load_npz, "d.npz", "an .npz file"),
    ],
)
def test_a_dataset_left_in_its_download_archive_says_extract_it(tmp_path, loader, name,
                                                                 expected, compress):
    """The downloaded .tar.gz given as dataset.path read as a 'truncated or corrupt pickle
    (KeyError: 31)' (CIFAR) or an undecodable text file (Purchase100)."""
    path = tmp_path / name
    path.write_bytes(_tar_gz(b"1,0,1\n" * 50, compress=compress))
    kind = "gzip-compressed" if compress else "a tar archive"
    with pytest.raises(DataError, match=rf"{name}: is {kind}.*, not {expected}; extract it "
                       r"\(tar xf, gunzip or unzip\) and point dataset.path at the extracted"):
        loader(path=path)


def test_an_idx_header_claiming_255_dimensions_is_one_short_line(tmp_path):
    """The message listed all 255 claimed sizes (3 KB of 4294967295s)."""
    folder = write_mnist(tmp_path / "mnist")
    (folder / "train-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 255]) + b"\xff" * 1020)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: header claims 255 "
                       r"dimensions; MNIST-style files have 1 \(labels\) or 3") as err:
        load_mnist(path=folder)
    assert len(str(err.value)) < 300


def test_a_row_index_saved_with_the_data_is_not_taken_as_a_feature(tmp_path, caplog):
    """pandas' to_csv writes its row index as a first column with no name: it was used as a
    feature, from which a model learns the file's order (a file sorted by class leaks it)."""
    path = tmp_path / "pandas.csv"
    path.write_text(",a,y\n0,0.5,0\n1,0.1,0\n2,0.7,1\n3,0.2,1\n")
    with pytest.raises(DataError, match=r"pandas.csv: column 1 of the header has no name "
                       r"\(pandas writes its row index so"):
        load_csv(path=path, label_column="y")
    path.write_text("id,a,y\n1,0.5,0\n2,0.1,0\n3,0.7,1\n4,0.2,1\n")
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        load_csv(path=path, label_column="y")
    assert any("column 'id' counts the rows (1 to 4)" in r.getMessage()
               for r in caplog.records), caplog.records


def test_a_file_this_user_cannot_read_says_what_to_do(csv_file, monkeypatch):
    """chmod 000 (simulated: the tests may run as root, who reads anything)."""
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path) == str(csv_file):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", denied)
        with pytest.raises(DataError, match=r"d.csv: cannot be opened \(Permission denied\); "
                           r"make it readable for this user \(chmod"):
            load_csv(path=csv_file, label_column="y")


def test_a_csv_read_with_the_wrong_delimiter_names_the_right_one(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(_CSV.replace(",", ";"))
    with pytest.raises(DataError, match=r"semi.csv: no column 'y' in the header \['a;b;y'\]; set "
                       r"dataset.label_column \(one column: are the fields separated by ';'\? "
                       r"then set \"dataset.delimiter=';'\"\)"):
        load_csv(path=path, label_column="y")
    assert load_csv(path=path, label_column="y", delimiter=";").x.shape == (40, 2)


def test_minus_one_plus_one_labels_say_how_to_map_them(tmp_path):
    np.savez(tmp_path / "svm.npz", x=np.random.default_rng(0).random((6, 2)),
             y=np.array([-1, 1, -1, 1, 1, -1]))
    with pytest.raises(DataError, match=r"svm.npz: labels must lie in \[0, 2\), found -1 .*; "
                       r"negative labels are not class indices: map them to 0..C-1 \(-1/\+1"):
        load_npz(path=tmp_path / "svm.npz")


def _npy_claiming(shape: tuple[int, ...], data: bytes) -> bytes:
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = shape
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def test_an_observations_npz_with_a_forged_header_is_refused_before_allocating(tmp_path):
    """mia-attack and mia-report read users' .npz files with files.load_npz: a header
    claiming 2**40 values was a raw MemoryError ('Unable to allocate 4.00 TiB')."""
    path = tmp_path / "observations.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("log_probs.npy", _npy_claiming((2**40,), bytes(40)))
    with pytest.raises(DataError, match=r"observations.npz: array 'log_probs' claims shape "
                       r"\(1099511627776,\) of float32 \(4096.0 GiB\) but holds 40 bytes"):
        files.load_npz(path)


def test_an_observations_npz_that_inflates_past_the_budget_is_refused(tmp_path, monkeypatch):
    """A 2 MB archive of zeros inflated to 2 GiB in memory without a check."""
    path = tmp_path / "observations.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("log_probs.npy", _npy_claiming((2**20,), bytes(4 << 20)))
    monkeypatch.setattr(files, "_npz_budget", lambda: 1 << 20)
    with pytest.raises(DataError, match=r"observations.npz: its arrays would need 4.0 MiB of "
                       r"memory, more than the 1.0 MiB this machine can spare"):
        files.load_npz(path)
    monkeypatch.setattr(files, "_npz_budget", lambda: 8 << 20)
    assert files.load_npz(path)["log_probs"].shape == (2**20,)
