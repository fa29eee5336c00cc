"""Hostile data files (issue 14): sizes a file claims cannot exhaust the machine, special
files are refused without blocking, and labels mean what the user meant.

Every file is written here, in tmp_path. Memory cases measure with tracemalloc (numpy reports
its allocations to it) that the loader refused before allocating what the file claims.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import pickle
import struct
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from mia_defense.data import (
    Dataset,
    guards,
    load_cifar10,
    load_csv,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
    safe_pickle,
)
from mia_defense.data.safe_pickle import safe_loads
from mia_defense.errors import DataError
from tests.data.files import idx_bytes, write_cifar_binary, write_mnist
from tests.helpers import within

_RECONSTRUCT = np.ndarray(0).__reduce__()[0]
_MIB = 1 << 20


class _Call:
    """Pickles as ``func(*args)`` (then BUILD with ``state``): how a forged file calls numpy."""

    def __init__(self, func, *args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


@contextmanager
def _bounded(max_bytes: int = 32 * _MIB):
    """Fail if the block allocates more than ``max_bytes`` (peak). Measured, not timed:
    what a claim would cost is the allocation (or the decompression into it), and a read
    that never ends is `within`'s to stop."""
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < max_bytes, f"allocated {peak / _MIB:.1f} MiB"


def _batch(folder: Path, payload: bytes, name: str = "data_batch_1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(payload)
    return folder / name


def _cifar_dict(data, labels) -> bytes:
    return pickle.dumps({b"data": data, b"labels": labels}, protocol=2)


# ---------------------------------------------------------------- pickles that claim memory


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        # numpy.ndarray called directly with a 1 TB shape (allocates before anything is read)
        (_Call(np.ndarray, (1_000_000, 1_000_000), "u1"),
         r"not a plain data pickle \(calling numpy.ndarray is not allowed\)"),
        # numpy's own rebuilder told to make a 6 GB array
        (_Call(_RECONSTRUCT, np.ndarray, (2_000_000, 3072), b"B"),
         r"truncated or corrupt pickle \(an array claims shape \(2000000, 3072\) of uint8 "
         r"\(5.7 GiB\), more than the whole file"),
        # an array state whose shape claims 1 GB over 10 bytes of data
        (_Call(_RECONSTRUCT, np.ndarray, (0,), b"b",
               state=(1, (1 << 30,), np.dtype("u1"), False, b"0123456789")),
         r"an array claims shape \(1073741824,\) of uint8 \(1.0 GiB\) but holds 10 bytes"),
    ],
    ids=["ndarray-call", "reconstruct-shape", "state-shape"],
)
def test_pickled_array_claims_are_refused_before_allocating(tmp_path, payload, message):
    batch = _batch(tmp_path, _cifar_dict(payload, [0, 1]))
    with _bounded(), pytest.raises(DataError, match=rf"data_batch_1: .*{message}"):
        load_cifar10(path=batch)


def test_length_claims_beyond_the_file_are_truncation_not_allocation(tmp_path):
    # BYTEARRAY8 / BINBYTES8 claiming a terabyte in a 20-byte file
    for opcode in (b"\x96", b"\x8e"):
        batch = _batch(tmp_path, b"\x80\x05" + opcode + struct.pack("<Q", 1 << 40) + b"abc.")
        with _bounded(), pytest.raises(
            DataError, match=r"data_batch_1: truncated or corrupt pickle \(pickle data was "
            r"truncated: 1099511627776 bytes claimed, 4 left in the file\)"
        ):
            load_cifar10(path=batch)


def test_memo_index_of_4_billion_does_not_allocate_a_memo_table(tmp_path):
    # The C unpickler sizes its memo array by the largest index: 2**32 entries, 32 GB.
    batch = _batch(tmp_path, b"\x80\x02K\x01r\xff\xff\xff\xff.")
    with _bounded(), pytest.raises(DataError, match=r"expected a dict of CIFAR arrays, got int"):
        load_cifar10(path=batch)


def test_a_92_kb_pickle_of_repeated_references_stays_small(tmp_path):
    # 92 KB of DUP inside APPENDS: 92 000 list slots (bounded: 128 bytes charged per opcode)
    payload = b"\x80\x02]q\x00(K\x00" + b"2" * 92_000 + b"e."
    assert len(safe_loads(payload, source="x")) == 92_001
    batch = _batch(tmp_path, payload)
    with _bounded(max_bytes=24 * _MIB), pytest.raises(DataError, match="expected a dict"):
        load_cifar10(path=batch)


def test_pickles_past_the_memory_budget_or_container_bound_are_refused(tmp_path, monkeypatch):
    payload = b"\x80\x02]q\x00(K\x00" + b"2" * 50_000 + b"e."
    batch = _batch(tmp_path, payload)
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 2 * _MIB)
    with _bounded(), pytest.raises(
        DataError, match=r"data_batch_1: too large to unpickle safely \(unpickling it would "
        r"need more than 2.0 MiB of memory"
    ):
        load_cifar10(path=batch)
    monkeypatch.setattr(guards, "MEMORY_BUDGET", None)
    monkeypatch.setattr(safe_pickle, "MAX_CONTAINER_ITEMS", 1000)
    with pytest.raises(DataError, match=r"a container holds more than 1000 items"):
        load_cifar10(path=batch)


def test_deep_mark_nesting_is_refused_while_loading(tmp_path):
    # 1000 nested MARKs (tuples of tuples): refused as soon as the 65th opens
    batch = _batch(tmp_path, b"\x80\x02" + b"(" * 1000 + b"K\x00" + b"t" * 1000 + b".")
    with _bounded(), pytest.raises(DataError, match=r"data_batch_1: too large to unpickle "
                                   r"safely \(containers are nested deeper than 64 levels\)"):
        load_cifar10(path=batch)


def test_deep_nesting_and_cycles_in_the_result_are_refused(tmp_path):
    deep: list = []
    for _ in range(200):  # one item per level: APPEND, no MARK
        deep = [deep]
    batch = _batch(tmp_path, pickle.dumps({b"data": deep, b"labels": [0]}, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_1: too large to unpickle safely "
                       r"\(containers are nested deeper than 64 levels\)"):
        load_cifar10(path=batch)
    cycle: list = []
    cycle.append(cycle)
    batch.write_bytes(pickle.dumps({b"data": cycle, b"labels": [0]}, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_1: truncated or corrupt pickle \(the "
                       r"data holds a reference cycle"):
        load_cifar10(path=batch)
    # shared sub-structures are walked once, not once per path (2**40 paths here)
    shared: list = [1]
    for _ in range(40):
        shared = [shared, shared]
    assert safe_loads(pickle.dumps(shared), source="x")[0][0][1] is not None


def test_dtype_state_cannot_add_fields_and_other_constructors_are_refused(tmp_path):
    # BUILD on a fresh uint64 dtype trying to give it fields (with an object field, numpy
    # would then read pointers from the file's bytes)
    forged = _Call(np.dtype, "u8", False, True,
                   state=(3, "|", None, ("a",), {"a": (np.dtype("u1"), 0)}, 8, 1, 0))
    batch = _batch(tmp_path, _cifar_dict(forged, [0, 1]))
    with pytest.raises(DataError, match=r"not a plain data pickle \(dtype state .* would "
                       r"change more than the byte order\); it was not executed"):
        load_cifar10(path=batch)
    batch.write_bytes(_cifar_dict(_Call(np.dtype, "V16"), [0, 1]))
    with pytest.raises(DataError, match=r"dtype \|V16 is not allowed: data files may hold "
                       r"numeric arrays only"):
        load_cifar10(path=batch)
    # NEWOBJ (cls.__new__(cls, *args)) would build an ndarray of any shape
    newobj = b"\x80\x02cnumpy\nndarray\nJ\x00\xca\x9a;\x85\x81."
    batch.write_bytes(newobj)
    with pytest.raises(DataError, match=r"this pickle builds objects other than plain "
                       r"containers and arrays"):
        load_cifar10(path=batch)


def test_plain_pickles_load_as_the_standard_unpickler_loads_them():
    data = {b"data": np.arange(12, dtype=np.uint8).reshape(2, 6), b"labels": [np.int64(3), 1],
            b"f": np.array([1.5, -2.0], dtype=">f8"), b"t": (True, None, 2.5, "é", b"\xff")}
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        raw = pickle.dumps(data, protocol=protocol)
        out, reference = safe_loads(raw, source="x"), pickle.loads(raw)
        for key in (b"data", b"f"):
            np.testing.assert_array_equal(out[key], reference[key])
            assert out[key].dtype == reference[key].dtype
        assert out[b"labels"] == [3, 1] and type(out[b"labels"][0]) is np.int64
        assert out[b"t"] == reference[b"t"]


# ---------------------------------------------------------------- IDX, npz: header claims


def test_idx_header_whose_size_overflows_int64_is_refused(tmp_path):
    folder = write_mnist(tmp_path / "m")
    # 65536**4 = 2**64 bytes wraps to 0 in int64: the old check then accepted an empty body
    header = struct.pack(">BBBB", 0, 0, 0x08, 4) + struct.pack(">4I", *(65536,) * 4)
    (folder / "train-images-idx3-ubyte").write_bytes(header)
    with _bounded(), pytest.raises(
        DataError, match=r"train-images-idx3-ubyte: header says shape \(65536, 65536, 65536, "
        r"65536\) \(18446744073709551616 bytes of data\) but the file holds 0 bytes"
    ):
        load_mnist(path=folder)


def test_gzip_idx_claiming_more_than_deflate_can_hold_is_refused(tmp_path):
    folder = write_mnist(tmp_path / "m", gz=True)
    forged = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", 100_000, 10_000, 1000)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(forged + b"\0" * 100))
    with _bounded(), pytest.raises(
        DataError, match=r"train-images-idx3-ubyte.gz: header says shape \(100000, 10000, 1000\)"
        r" \(1000000000000 bytes of data\), more than a \d+-byte gzip file can hold; it is "
        r"corrupt"
    ):
        load_mnist(path=folder)


def test_gzip_idx_bomb_is_refused_by_the_budget_before_decompressing(tmp_path, monkeypatch):
    folder = write_mnist(tmp_path / "m", gz=True)
    # 48 MB of zeros compress to ~50 KB; the header is honest, the budget is 8 MiB
    images = idx_bytes(np.zeros((60_000, 28, 28), np.uint8))
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(images, 9))
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 8 * _MIB)
    with _bounded(max_bytes=4 * _MIB), pytest.raises(
        DataError, match=r"train-images-idx3-ubyte.gz: the IDX array of shape \(60000, 28, 28\)"
        r" would need 44.9 MiB of memory, more than the 8.0 MiB this machine can spare"
    ):
        load_mnist(path=folder)


def _npy(shape, dtype="<f4", body=b"") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue() + body


def test_npz_member_header_claiming_more_than_its_data_is_refused(tmp_path):
    path = tmp_path / "forged.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy((1_000_000, 1_000_000), body=b"\0" * 64))
        archive.writestr("y.npy", _npy((2,), "<i8", body=b"\0" * 16))
    with _bounded(), pytest.raises(
        DataError, match=r"forged.npz: array 'x' claims shape \(1000000, 1000000\) of float32 "
        r"\(3725.3 GiB\) but holds 64 bytes of data; the file is truncated or corrupt"
    ):
        load_npz(path=path)


def test_npz_header_length_bomb_is_refused_before_reading_the_header(tmp_path):
    # a v2 .npy header may claim up to 4 GB; numpy reads all of it before its size check
    member = b"\x93NUMPY\x02\x00" + struct.pack("<I", 20 * _MIB) + b" " * (20 * _MIB)
    path = tmp_path / "header.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", member)
        archive.writestr("y.npy", _npy((2,), "<i8", body=b"\0" * 16))
    assert path.stat().st_size < 100_000
    with _bounded(max_bytes=4 * _MIB), pytest.raises(
        DataError, match=r"header.npz: member 'x' is not a valid .npy array \(its header claims "
        r"20971520 bytes, numpy allows 10000\)"
    ):
        load_npz(path=path)


def test_npz_zip_bomb_is_refused_by_the_budget(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, x=np.zeros((1000, 2000)), y=np.arange(1000) % 2)
    assert path.stat().st_size < 100_000  # 16 MB of float64 inside
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 4 * _MIB)
    with _bounded(max_bytes=2 * _MIB), pytest.raises(
        DataError, match=r"bomb.npz: the arrays \['x', 'y'\] would need 15.3 MiB of memory"
    ):
        load_npz(path=path)
    # only the two arrays asked for are read: a huge extra member is never touched
    monkeypatch.setattr(guards, "MEMORY_BUDGET", None)
    np.savez_compressed(path, x=np.eye(4), y=np.arange(4) % 2, junk=np.zeros(4_000_000))
    with _bounded(max_bytes=4 * _MIB):
        assert load_npz(path=path).num_classes == 2


def test_npy_given_as_npz_and_empty_files(tmp_path):
    np.save(tmp_path / "single.npy", np.zeros((3, 2)))
    with pytest.raises(DataError, match=r"single.npy: is a .npy file \(a single array\), not "
                       r"an .npz; save the features and labels together with np.savez"):
        load_npz(path=tmp_path / "single.npy")
    cases = {
        "empty.npz": (load_npz, {}, r"empty.npz: not a valid .npz file \(no zip signature\)"),
        "empty.csv": (load_csv, {"label_column": "y"}, r"needs a header line and at least one"),
        "dataset_purchase": (load_purchase100, {}, r"dataset_purchase: contains no samples"),
    }
    for name, (loader, kwargs, message) in cases.items():
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(DataError, match=message):
            loader(path=tmp_path / name, **kwargs)
    np.savez(tmp_path / "rows.npz", x=np.zeros((0, 3)), y=np.zeros(0, np.int64))
    with pytest.raises(DataError, match=r"rows.npz: contains no samples"):
        load_npz(path=tmp_path / "rows.npz")
    np.savez(tmp_path / "cols.npz", x=np.zeros((4, 0)), y=np.arange(4) % 2)
    with pytest.raises(DataError, match=r"cols.npz: features have shape \(4, 0\): no values"):
        load_npz(path=tmp_path / "cols.npz")


# ---------------------------------------------------------------- special files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "data.npz"
    os.mkfifo(fifo)
    with within(10), pytest.raises(DataError, match=r"data.npz is a FIFO \(named pipe\), not "
                                   r"a file or folder; set dataset.path"):
        load_npz(path=fifo)
    with within(10), pytest.raises(DataError, match=r"data.npz is a FIFO"):
        load_csv(path=fifo, label_column="y")
    # a FIFO where a folder holds its batch files
    folder = write_cifar_binary(tmp_path / "cifar-10-batches-bin")
    (folder / "data_batch_1.bin").unlink()
    os.mkfifo(folder / "data_batch_1.bin")
    with within(10), pytest.raises(DataError, match=r"data_batch_1.bin: is a FIFO \(named "
                                   r"pipe\), not a regular file"):
        load_cifar10(path=folder)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_devices_and_directories_are_refused_where_a_file_is_expected(tmp_path):
    refused = r"/dev/zero is a character device, not a file or folder"
    with within(10), _bounded(), pytest.raises(DataError, match=refused):
        load_cifar10(path="/dev/zero")
    link = tmp_path / "dataset_purchase"
    link.symlink_to("/dev/zero")  # a symlink is followed, then refused
    with within(10), pytest.raises(DataError, match=r"is a character device"):
        load_purchase100(path=link)
    folder = tmp_path / "cifar-10-batches-py"
    (folder / "data_batch_1").mkdir(parents=True)
    with pytest.raises(DataError, match=r"data_batch_1: is a directory, not a regular file"):
        load_cifar10(path=folder)


def test_low_level_errors_become_data_errors_naming_the_file(tmp_path, monkeypatch):
    folder = write_cifar_binary(tmp_path / "cifar-10-batches-bin")

    def fail(error):
        def read(*args, **kwargs):
            raise error
        return read

    monkeypatch.setattr("mia_defense.data.cifar.read_regular", fail(MemoryError()))
    with pytest.raises(DataError, match=rf"{folder}: ran out of memory while loading it"):
        load_cifar10(path=folder)
    monkeypatch.setattr("mia_defense.data.cifar.read_regular",
                        fail(OverflowError("Python int too large to convert to C long")))
    with pytest.raises(DataError, match=rf"{folder}: holds sizes or nesting too large to load "
                       r"\(OverflowError: Python int too large"):
        load_cifar10(path=folder)


# ---------------------------------------------------------------- labels


def test_non_contiguous_labels_are_remapped_once_and_recorded(tmp_path, caplog):
    x = np.random.default_rng(0).random((6, 3))
    np.savez(tmp_path / "d.npz", x=x, y=np.array([3, 7, 9, 9, 7, 3]))
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        data = load_npz(path=tmp_path / "d.npz")
    assert data.num_classes == 3 and data.class_labels == (3, 7, 9)
    np.testing.assert_array_equal(data.y, [0, 1, 2, 2, 1, 0])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "remapped to classes 0..2" in warnings[0], warnings
    assert "(3, 7, 9)" in warnings[0]
    # the same labels in a CSV; with num_classes set they stay class indices
    csv = tmp_path / "d.csv"
    csv.write_text("f,label\n0.1,3\n0.2,7\n0.3,9\n")
    assert load_csv(path=csv, label_column="label").class_labels == (3, 7, 9)
    kept = load_csv(path=csv, label_column="label", num_classes=10)
    assert kept.num_classes == 10 and kept.class_labels is None and list(kept.y) == [3, 7, 9]
    # text labels are recorded too; contiguous 0-based labels need no mapping
    csv.write_text("f,label\n0.1,no\n0.2,yes\n")
    assert load_csv(path=csv, label_column="label").class_labels == ("no", "yes")
    np.savez(tmp_path / "plain.npz", x=x, y=np.arange(6) % 2)
    assert load_npz(path=tmp_path / "plain.npz").class_labels is None


def test_a_single_class_is_refused_on_every_path(tmp_path):
    with pytest.raises(DataError, match=r"dataset 'd': all 4 labels are the same class \(1\)"):
        Dataset(x=np.zeros((4, 2), np.float32), y=np.ones(4, np.int64), num_classes=2, name="d")
    np.savez(tmp_path / "one.npz", x=np.zeros((4, 2)), y=np.full(4, 5))
    with pytest.raises(DataError, match=r"one.npz: all 4 labels are 5: a single class"):
        load_npz(path=tmp_path / "one.npz")
    csv = tmp_path / "one.csv"
    csv.write_text("f,label\n1,yes\n2,yes\n")
    with pytest.raises(DataError, match=r"one.csv: every label in column 'label' is 'yes': a "
                       r"single class"):
        load_csv(path=csv, label_column="label")
    (tmp_path / "dataset_purchase").write_text("4,0,1\n4,1,0\n")
    with pytest.raises(DataError, match=r"dataset_purchase: all 2 labels are 4: a single class"):
        load_purchase100(path=tmp_path)
    folder = write_cifar_binary(tmp_path / "cifar-10-batches-bin")
    for batch in folder.iterdir():
        raw = np.frombuffer(batch.read_bytes(), np.uint8).reshape(-1, 3073).copy()
        raw[:, 0] = 6
        batch.write_bytes(raw.tobytes())
    with pytest.raises(DataError, match=r"cifar-10-batches-bin: all 60 labels are 6: a single"):
        load_cifar10(path=folder)
    mnist = write_mnist(tmp_path / "mnist")
    for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        n = len((mnist / name).read_bytes()) - 8
        (mnist / name).write_bytes(idx_bytes(np.full(n, 2)))
    with pytest.raises(DataError, match=r"mnist: all 40 labels are 2: a single class"):
        load_mnist(path=mnist)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,a,label\n1,2,3,0\n", r"column name 'a' appears 2 times in the header \(columns "
         r"\[1, 3\]; dataset.drop_columns=a skips them all, if they are no features\); give "
         r"every column a distinct name"),
        ("f,label\n1,0\n2,1.5\n", r"column 'label' must hold integer class indices or text "
         r"labels, found '1.5' on line 3"),
        ("f,label\n1,0\n2,nan\n", r"column 'label' must hold integer class indices or text "
         r"labels, found 'nan' on line 3"),
        ("f,label\n1,0\n2,1+2j\n", r"column 'label' must hold integer .*found '1\+2j' on line 3"),
        ("f,label\n1,yes\n2,3\n", r"column 'label' mixes numbers \('3' on line 3\) and text "
         r"\('yes' on line 2\)"),
        ("f,label\n1,0\n2,\n", r"1 samples have no label in column 'label' \(first on line 3\)"),
        ("f,label\n1,0\n2,99999999999999999999999\n", r"column 'label' holds a label too "
         r"large for a class index"),
        ("f,label\n", r"needs a header line and at least one sample row"),
        ("f,label\ninf,0\n2,1\n", r"features contain NaN or inf in 1 samples \(first at "
         r"sample 0\)"),
    ],
    ids=["duplicate-header", "fraction", "nan", "complex", "mixed", "missing", "huge",
         "header-only", "inf-feature"],
)
def test_csv_labels_and_headers_that_mean_nothing_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=rf"bad.csv: {message}"):
        load_csv(path=path, label_column="label")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0.0, 1.5, 1.0]), r"labels must be integer class indices, found 1.5 at "
         r"sample 1"),
        (np.array([0.0, np.nan, 1.0]), r"labels must be integer class indices, found nan"),
        (np.array([0, 1j, 1]), r"labels must be integer class indices, got complex numbers"),
        (np.array(["a", "b", "a"]), r"labels must be integers, got dtype <U1"),
    ],
    ids=["fraction", "nan", "complex", "text"],
)
def test_npz_labels_that_are_not_class_indices_are_refused(tmp_path, labels, message):
    np.savez(tmp_path / "l.npz", x=np.zeros((3, 2)), y=labels)
    with pytest.raises(DataError, match=rf"l.npz: {message}"):
        load_npz(path=tmp_path / "l.npz")


def test_cifar_labels_are_checked_not_truncated(tmp_path):
    batch = _batch(tmp_path, _cifar_dict(np.zeros((2, 3072), np.uint8), [0, 1.5]))
    with pytest.raises(DataError, match=r"labels must be integer class indices, found 1.5"):
        load_cifar10(path=batch)
    batch.write_bytes(_cifar_dict(np.zeros((2, 3072), np.uint8), [0, 2**70]))
    with pytest.raises(DataError, match=r"data_batch_1: 'labels' must be a list of integers"):
        load_cifar10(path=batch)


def test_purchase_and_texas_never_shift_labels_silently(tmp_path, caplog):
    rng = np.random.default_rng(0)
    x = (rng.random((100, 8)) < 0.2).astype(int)
    y = np.arange(1, 101)  # the original 1-based labels
    np.savetxt(tmp_path / "dataset_purchase", np.column_stack([y, x]), fmt="%d", delimiter=",")
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        data = load_purchase100(path=tmp_path)
    assert data.class_labels == tuple(range(1, 101)) and data.y[0] == 0
    assert any("taken as 1-based and shifted to 0..99" in r.getMessage() for r in caplog.records)
    caplog.clear()
    explicit = load_purchase100(path=tmp_path, label_base=1)  # said so: recorded, no warning
    assert explicit.class_labels == tuple(range(1, 101)) and not caplog.records
    # labels 1..99 (no 0, no 100) are ambiguous: kept as indices, with a warning saying how
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    np.savetxt(folder / "feats", x[:99], fmt="%d", delimiter=",")
    np.savetxt(folder / "labels", y[:99], fmt="%d")
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        texas = load_texas100(path=tmp_path)
    assert texas.class_labels is None and texas.y[0] == 1
    assert any("no label 0, none equal to 100; taken as 0-based" in r.getMessage()
               and "dataset.label_base=1" in r.getMessage() for r in caplog.records)
    with pytest.raises(DataError, match=r"labels must lie in \[1, 101\), found 0"):
        np.savetxt(folder / "labels", np.arange(99), fmt="%d")
        load_texas100(path=tmp_path, label_base=1)


def test_features_that_are_not_finite_real_numbers_are_refused(tmp_path):
    y = np.arange(4) % 2
    np.savez(tmp_path / "big.npz", x=np.array([[1.0], [1e300], [0.0], [2.0]]), y=y)
    with pytest.raises(DataError, match=r"big.npz: features contain NaN or inf in 1 samples "
                       r"\(first at sample 1\).*beyond float32's range count as inf"):
        load_npz(path=tmp_path / "big.npz")
    np.savez(tmp_path / "complex.npz", x=np.ones((4, 2)) * 1j, y=y)
    with pytest.raises(DataError, match=r"complex.npz: features must be real numbers"):
        load_npz(path=tmp_path / "complex.npz")
    (tmp_path / "dataset_purchase").write_text("1,0,inf\n2,1,0\n")
    with pytest.raises(DataError, match=r"dataset_purchase: features contain NaN or inf"):
        load_purchase100(path=tmp_path)


def test_an_identifier_as_the_label_column_stops_the_run_before_training(tmp_path, make_cfg):
    """A CSV's id column named as its label: every sample its own class. The loader reads it
    (a small file may hold one sample of each class), the run refuses it before training;
    it used to train 16 models on 3000 classes and fit Shokri's attack on 6001 features."""
    from mia_defense.cli.train import run

    rng = np.random.default_rng(0)
    path = tmp_path / "ids.csv"
    features = rng.random((600, 2))
    rows = "".join(f"{i},{a:.4f},{b:.4f},{i % 3}\n" for i, (a, b) in enumerate(features))
    path.write_text("id,a,b,label\n" + rows)
    assert load_csv(path=path, label_column="id").num_classes == 600
    cfg = make_cfg("dataset=csv", f"dataset.path={path}", "dataset.label_column=id")
    with pytest.raises(DataError, match=r"ids.csv\): 600 of its 600 samples are the only one "
                                        r"of their class \(600 classes\): the labels look like "
                                        r"an identifier"):
        run(cfg, tmp_path / "run")
    assert not (tmp_path / "run" / "checkpoints").exists()
    # the real label column runs
    run(make_cfg("dataset=csv", f"dataset.path={path}", "dataset.label_column=label",
                 "plan.population_size=200"), tmp_path / "ok")


def test_samples_with_exact_copies_are_named_before_training(tmp_path, make_cfg, caplog):
    """A file whose rows repeat (here every row twice): a copy outside a model's members
    reads as a member, so the attacks understate the leak; the run says so up front."""
    from mia_defense.cli.train import run
    from mia_defense.data.checks import duplicate_count
    from tests.helpers import FAST

    rng = np.random.default_rng(0)
    features = rng.random((150, 2))
    rows = [f"{a:.4f},{b:.4f},{i % 3}\n" for i, (a, b) in enumerate(features)]
    (tmp_path / "unique.csv").write_text("a,b,label\n" + "".join(rows))
    (tmp_path / "twice.csv").write_text("a,b,label\n" + "".join(rows + rows))
    assert duplicate_count(np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 3.0]])) == 2
    assert duplicate_count(features) == 0
    for name, warned in (("unique", False), ("twice", True)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mia_defense.experiment"):
            run(make_cfg("dataset=csv", f"dataset.path={tmp_path / name}.csv",
                         "dataset.label_column=label", "plan.population_size=100",
                         "plan.num_models=2", "train.batch_size=16", *FAST), tmp_path / name)
        said = [r.getMessage() for r in caplog.records if "exact copy" in r.getMessage()]
        assert bool(said) is warned
    assert "have an exact copy among them" in said[0] and "deduplicate the data" in said[0]
