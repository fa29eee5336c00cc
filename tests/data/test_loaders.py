"""Every file loader on small files written here, in each supported format, good and broken."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from mia_defense.data import (
    load_cifar10,
    load_cifar100,
    load_csv,
    load_fashion_mnist,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
)
from mia_defense.errors import ConfigError, DataError
from mia_defense.plan import make_plan
from tests.data.files import (
    idx_bytes,
    write_cifar_binary,
    write_cifar_python,
    write_mnist,
)

# ---------------------------------------------------------------- CIFAR


@pytest.mark.parametrize("py2_globals", [False, True])
def test_cifar10_python_batches_keep_image_shape(tmp_path, py2_globals):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py", py2_globals=py2_globals)
    data = load_cifar10(path=folder, normalize=False)
    assert data.x.shape == (60, 3, 32, 32) and data.x.dtype == np.float32
    assert data.num_classes == 10 and 0.0 <= data.x.min() and data.x.max() <= 1.0
    raw = pickle.loads((folder / "data_batch_1").read_bytes(), encoding="bytes")
    np.testing.assert_array_equal(data.y[:20], raw[b"labels"])
    np.testing.assert_allclose(data.x[0].ravel() * 255, raw[b"data"][0], atol=1e-3)
    # the parent folder and a split work too
    assert len(load_cifar10(path=tmp_path, split="test")) == 20
    assert len(load_cifar10(path=tmp_path, split="train")) == 40


def test_cifar10_binary_matches_python_version(tmp_path):
    py = load_cifar10(path=write_cifar_python(tmp_path / "py", seed=3), normalize=False)
    binary = load_cifar10(path=write_cifar_binary(tmp_path / "bin", seed=9), normalize=False)
    assert binary.x.shape == (60, 3, 32, 32) and binary.num_classes == 10
    single = load_cifar10(path=tmp_path / "bin" / "test_batch.bin", normalize=False)
    assert len(single) == 20
    normalized = load_cifar10(path=tmp_path / "bin")
    np.testing.assert_allclose(normalized.x.mean(axis=(0, 2, 3)), 0.0, atol=1e-4)
    assert py.x.shape == binary.x.shape


@pytest.mark.parametrize("writer", [write_cifar_python, write_cifar_binary])
def test_cifar100_fine_and_coarse_labels(tmp_path, writer):
    folder = writer(tmp_path / "c100", cifar100=True)
    fine = load_cifar100(path=folder, normalize=False)
    coarse = load_cifar100(path=folder, labels="coarse", normalize=False)
    assert fine.num_classes == 100 and coarse.num_classes == 20
    np.testing.assert_array_equal(coarse.y, fine.y // 5)


class _Evil:
    """A pickle payload that would create a file if it were ever executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_malicious_cifar_pickle_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(
        pickle.dumps({b"data": _Evil(marker), b"labels": [0]}, protocol=2)
    )
    with pytest.raises(DataError, match=r"data_batch_1: not a plain data pickle .*refusing to "
                       r"load global io.open.*it was not executed"):
        load_cifar10(path=folder)
    assert not marker.exists()
    # protocol 0 (text) pickles and object arrays are refused as well
    (folder / "data_batch_1").write_bytes(pickle.dumps([_Evil(marker)], protocol=0))
    with pytest.raises(DataError, match="refusing to load global"):
        load_cifar10(path=folder / "data_batch_1")
    obj = np.array([1, "x"], dtype=object)
    (folder / "data_batch_1").write_bytes(pickle.dumps({b"data": obj, b"labels": [0]}))
    with pytest.raises(DataError, match="object dtype"):
        load_cifar10(path=folder / "data_batch_1")
    assert not marker.exists()


def test_truncated_and_corrupt_cifar_files(tmp_path):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    batch = folder / "data_batch_1"
    batch.write_bytes(batch.read_bytes()[:5000])
    with pytest.raises(DataError, match=r"data_batch_1: truncated or corrupt pickle"):
        load_cifar10(path=folder)
    binary = write_cifar_binary(tmp_path / "bin") / "data_batch_1.bin"
    binary.write_bytes(binary.read_bytes()[:-10])
    with pytest.raises(DataError, match=r"data_batch_1.bin: .* not a whole number of 3073-byte"):
        load_cifar10(path=binary)
    wrong = tmp_path / "wrong_shape"
    wrong.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataError, match=r"wrong_shape: 'data' must have shape \[N, 3072\]"):
        load_cifar10(path=wrong)
    wrong.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}))
    with pytest.raises(DataError, match=r"wrong_shape: labels must lie in \[0, 10\), found 10"):
        load_cifar10(path=wrong)
    wrong.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"fine": [0, 1]}))
    with pytest.raises(DataError, match=r"missing key 'data' or 'labels'"):
        load_cifar10(path=wrong)


def test_missing_paths_name_the_file_and_what_to_expect(tmp_path):
    with pytest.raises(DataError, match=r"nowhere does not exist; set dataset.path to .*cifar-10"):
        load_cifar10(path=tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"no CIFAR batch files for split 'all' in .*data_batch_1"):
        load_cifar10(path=tmp_path)
    with pytest.raises(DataError, match=r"dataset.path is not set"):
        load_mnist(path=None)
    with pytest.raises(ConfigError, match=r"dataset.split='val'"):
        load_cifar10(path=tmp_path, split="val")


# ---------------------------------------------------------------- MNIST / Fashion-MNIST


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist])
def test_idx_files_plain_and_gzip(tmp_path, gz, loader):
    folder = write_mnist(tmp_path / "raw", gz=gz)
    data = loader(path=tmp_path, normalize=False, split="all")
    assert data.x.shape == (40, 1, 28, 28) and data.num_classes == 10
    assert len(loader(path=folder, split="test")) == 10
    normalized = loader(path=folder)
    assert abs(float(normalized.x.mean())) < 1e-4


def test_truncated_and_corrupt_idx_files(tmp_path):
    folder = write_mnist(tmp_path / "m")
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: header says shape \(30, 28, 28\)"
                       r".*truncated or corrupt"):
        load_mnist(path=folder)
    images.write_bytes(b"PK\x03\x04 not idx at all")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: not an IDX file"):
        load_mnist(path=folder)
    gz_folder = write_mnist(tmp_path / "g", gz=True)
    labels = gz_folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:15])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz: truncated or corrupt gzip"):
        load_mnist(path=gz_folder)
    labels.write_bytes(gzip.compress(idx_bytes(np.arange(7) % 10)))
    with pytest.raises(DataError, match=r"labels have shape \(7,\) but .* holds 10 images"):
        load_mnist(path=gz_folder)
    labels.write_bytes(gzip.compress(idx_bytes(np.full(10, 12))))
    with pytest.raises(DataError, match=r"labels must lie in \[0, 10\), found 12"):
        load_mnist(path=gz_folder)
    (gz_folder / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\[.gz\] not found"):
        load_mnist(path=gz_folder)


# ---------------------------------------------------------------- Purchase100 / Texas100


def _binary_table(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, d)) < 0.1).astype(np.int64), rng.integers(1, 101, size=n)


def test_purchase100_text_and_npz(tmp_path):
    x, y = _binary_table(50, 600)
    y[0] = 100  # the original file's labels are 1..100
    text = tmp_path / "dataset_purchase"
    np.savetxt(text, np.column_stack([y, x]), fmt="%d", delimiter=",")
    data = load_purchase100(path=tmp_path)
    assert data.x.shape == (50, 600) and data.num_classes == 100
    np.testing.assert_array_equal(data.y, y - 1)
    assert data.class_labels == tuple(range(1, 101))  # the shift is recorded, never silent
    np.savez(tmp_path / "p.npz", features=x, labels=np.eye(100)[y - 1])  # one-hot labels
    one_hot = load_purchase100(path=tmp_path / "p.npz")
    np.testing.assert_array_equal(one_hot.y, y - 1)
    assert one_hot.class_labels is None
    assert len(load_purchase100(path=text, max_samples=20, seed=1)) == 20


def test_purchase100_bad_files(tmp_path):
    text = tmp_path / "dataset_purchase"
    text.write_text("1,0,1,0\n2,1,0\n")
    with pytest.raises(DataError, match=r"dataset_purchase: line 2 holds 3 comma-separated "
                                        r"values where line 1 holds 4"):
        load_purchase100(path=text)
    text.write_text("1,0,1\n2,1,nan\n")
    with pytest.raises(DataError, match=r"dataset_purchase: features contain NaN or inf in 1 "
                       r"samples \(first at sample 1\)"):
        load_purchase100(path=text)
    text.write_text("1,0,1\n101,1,0\n")
    with pytest.raises(DataError, match=r"labels must lie in \[0, 100\), found 101 at sample 1"):
        load_purchase100(path=text)
    text.write_text("1.5,0,1\n2,1,0\n")
    with pytest.raises(DataError, match=r"labels must be integer class indices, found 1.5"):
        load_purchase100(path=text)


def test_texas100_folder_and_npz(tmp_path):
    x, y = _binary_table(30, 40)
    y[:2] = (1, 100)
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    np.savetxt(folder / "feats", x, fmt="%d", delimiter=",")
    np.savetxt(folder / "labels", y, fmt="%d")
    data = load_texas100(path=tmp_path)  # the archive's top folder
    assert data.x.shape == (30, 40) and data.num_classes == 100
    np.testing.assert_array_equal(data.y, y - 1)
    np.savez(tmp_path / "texas100.npz", features=x, labels=y - 1)
    np.testing.assert_array_equal(load_texas100(path=tmp_path / "texas100.npz").y, y - 1)
    with pytest.raises(DataError, match=r"feats is not an .npz; expected the texas/100/ folder"):
        load_texas100(path=folder / "feats")
    np.savetxt(folder / "labels", y[:-1], fmt="%d")
    with pytest.raises(DataError, match=r"'feats' has 30 rows but 'labels' has 29"):
        load_texas100(path=folder)


# ---------------------------------------------------------------- generic NPZ and CSV


def test_npz_keeps_images_and_refuses_pickles(tmp_path):
    x = np.random.default_rng(0).random((12, 3, 8, 8)).astype(np.float32)
    y = np.arange(12) % 3
    np.savez(tmp_path / "d.npz", images=x, target=y)
    data = load_npz(path=tmp_path / "d.npz", x_key="images", y_key="target")
    assert data.x.shape == (12, 3, 8, 8) and data.num_classes == 3
    with pytest.raises(DataError, match=r"d.npz: no array 'x' \(features\); it holds "
                       r"\['images', 'target'\]; set dataset.x_key"):
        load_npz(path=tmp_path / "d.npz")
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}] * 3, dtype=object), y=np.zeros(3))
    with pytest.raises(DataError, match=r"obj.npz: holds object \(pickled\) arrays"):
        load_npz(path=tmp_path / "obj.npz")
    bad = x.copy()
    bad[4, 0, 0, 0] = np.inf
    np.savez(tmp_path / "inf.npz", x=bad, y=y)
    with pytest.raises(DataError, match=r"inf.npz: features contain NaN or inf .*sample 4"):
        load_npz(path=tmp_path / "inf.npz")
    np.savez(tmp_path / "short.npz", x=x, y=y[:5])
    with pytest.raises(DataError, match=r"short.npz: 12 feature rows but 5 labels"):
        load_npz(path=tmp_path / "short.npz")
    np.savez(tmp_path / "range.npz", x=x, y=y)
    with pytest.raises(DataError, match=r"range.npz: labels must lie in \[0, 2\), found 2"):
        load_npz(path=tmp_path / "range.npz", num_classes=2)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes((tmp_path / "d.npz").read_bytes()[:200])
    with pytest.raises(DataError, match=r"corrupt.npz: (truncated or corrupt|not a valid) .npz"):
        load_npz(path=corrupt, x_key="images", y_key="target")


def test_csv_numeric_and_text_labels(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("age,income,label\n30,1.5,yes\n40,2.5,no\n50,3.5,yes\n")
    data = load_csv(path=path, label_column="label", standardize=False)
    np.testing.assert_array_equal(data.y, [1, 0, 1])
    np.testing.assert_allclose(data.x, [[30, 1.5], [40, 2.5], [50, 3.5]])
    assert data.num_classes == 2 and data.source == str(path)
    path.write_text("label,a\n2,0.1\n0,0.2\n")
    assert load_csv(path=path, label_column="label", num_classes=4).num_classes == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,0\n", r"no column 'label' in the header \['a', 'b'\]"),
        ("a,label\n1,0\n,1\n", r"1 missing or NaN values \(first in column 'a', line 3\)"),
        ("a,label\n1,0\nred,1\n", r"column 'a' mixes numbers \('1' on line 2\) and text "
         r"\('red' on line 3\)"),
        ("a,label\n1,0\n2\n", r"line 3 has 1 fields but the header has 2"),
        ("a,label\n", r"needs a header line and at least one sample row"),
        ("a,label\n1,-1\n2,0\n", r"labels must lie in \[0, 1\), found -1"),
        ("a,label\n1,-1\n2,-3\n", r"labels must be class indices >= 0, found only negative "
                                 r"ones \(-3, -1\)"),
    ],
)
def test_csv_errors_name_the_file_and_problem(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=rf"bad.csv: {message}"):
        load_csv(path=path, label_column="label")


def test_too_few_samples_for_the_plan_names_the_file(tmp_path):
    folder = write_cifar_binary(tmp_path / "cifar-10-batches-bin")
    data = load_cifar10(path=folder)
    with pytest.raises(ConfigError, match=rf"too few samples for the plan.*the 60 samples in "
                       rf"dataset 'cifar10' \(from {folder}\)"):
        make_plan(data, num_models=4, population_size=100, test_size=None, seed=0)
