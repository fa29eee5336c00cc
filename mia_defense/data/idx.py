"""MNIST and Fashion-MNIST from the user's IDX files (gzip-compressed or not).

Images keep their shape [N, 1, 28, 28].
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from mia_defense.constraints import shown_path, typed_path
from mia_defense.data.checks import (
    check_image_settings,
    finish_images,
    require_path,
)
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import (
    ARCHIVE_HEAD,
    GZIP_MAGIC,
    check_memory,
    decompression_errors,
    is_npz_head,
    is_regular_file,
    open_regular,
    refuse_lfs_pointer,
    reports_file_errors,
)
from mia_defense.data.paths import other_cases
from mia_defense.errors import DataError

__all__ = ["check_fashion_mnist_source", "check_mnist_source", "load_fashion_mnist",
           "load_mnist", "read_idx"]

# IDX type code -> big-endian numpy dtype.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# More dimensions than any image or label file has: the header is corrupt (its shape of up
# to 255 sizes would fill the message).
_MAX_DIMS = 4
# Deflate expands at most ~1032:1; a gzip header claiming more data than that is forged.
_GZIP_MAX_RATIO = 1032


def read_idx(path: Path) -> np.ndarray:
    """One IDX array (gzip-compressed or plain), checked against its header before reading.

    The header's shape is checked against the file's size (exactly, for a plain file; against
    the most deflate can expand, for gzip) and against the memory budget before the data is
    read, so a corrupt or forged header cannot make the loader allocate.
    """
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(ARCHIVE_HEAD)
        handle.seek(0)
        refuse_lfs_pointer(path, head, expected="an IDX file")  # (a 'bad magic number' said)
        compressed = head[:2] == GZIP_MAGIC
        if not compressed:
            return _read_idx_stream(handle, path=path, size=size, compressed=False)
        with decompression_errors(path, "gzip"), gzip.GzipFile(fileobj=handle, mode="rb") \
                as stream:  # fmt: skip
            return _read_idx_stream(stream, path=path, size=size, compressed=True)


def _read_idx_stream(stream: BinaryIO, *, path: Path, size: int, compressed: bool) -> np.ndarray:
    head = stream.read(4)
    if compressed and head[:2] == b"\x1f\x8b":
        quoted = typed_path(path, instead="<that file>")
        raise DataError(
            f"{shown_path(path)}: gzip-compressed twice: once decompressed, its data starts "
            f"with gzip's magic number again ({head.hex()}), not an IDX header (gzip run on a "
            "file already "
            f"compressed, or a browser that compressed a .gz download); decompress it once and "
            f"keep that: gzip -dc {quoted} > once.gz && mv once.gz {quoted} (or download it "
            "again)"
        )
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
        raise DataError(
            f"{shown_path(path)}: not an IDX file (bad magic number {head.hex() or 'empty'}); "
            "expected MNIST-style files such as train-images-idx3-ubyte[.gz]"
        )
    dtype, ndim = _IDX_TYPES[head[2]], head[3]
    if ndim > _MAX_DIMS:
        raise DataError(
            f"{shown_path(path)}: header claims {ndim} dimensions; MNIST-style files have 1 "
            "(labels) or 3 (images): it is corrupt or not an image or label file"
        )
    dims = stream.read(4 * ndim)
    if ndim == 0 or len(dims) < 4 * ndim:
        raise DataError(f"{shown_path(path)}: truncated IDX header ({4 + len(dims)} bytes)")
    shape = struct.unpack(f">{ndim}I", dims)
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    claim = f"header says shape {shape} ({expected} bytes of data)"
    if not compressed and size - 4 - 4 * ndim != expected:
        raise DataError(
            f"{shown_path(path)}: {claim} but the file holds {size - 4 - 4 * ndim} bytes; it is "
            "truncated or corrupt"
        )
    if compressed and expected > _GZIP_MAX_RATIO * size:
        raise DataError(
            f"{shown_path(path)}: {claim}, more than a {size}-byte gzip file can hold; it is "
            "corrupt"
        )
    check_memory(expected, source=path, what=f"the IDX array of shape {shape}")
    data = stream.read(expected)
    if len(data) < expected or stream.read(1):
        held = len(data) if len(data) < expected else f"more than {expected}"
        raise DataError(f"{shown_path(path)}: {claim} but the file holds {held} bytes; it is "
                        "truncated or "
                        "corrupt")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _type_code(dtype: np.dtype) -> int:
    """The IDX type code of an array read by `read_idx`."""
    return next(code for code, known in _IDX_TYPES.items() if known == dtype)


# Bytes of a file and its .gz beside it compared: torchvision's raw/ folder keeps both.
_COMPARED_BYTES = 1 << 20


def _find(root: Path, stem: str, name: str, *, split: object) -> Path:
    """The IDX file ``stem`` (or ``stem.gz``) in ``root`` or torchvision's folders in it,
    under LeCun's name or the Kaggle copy's (``train-images.idx3-ubyte``), or in a folder
    of that name (where an unpacking tool put it). Found in two of those folders with other
    data, it is refused: Fashion-MNIST's files bear MNIST's names, and an MNIST copy in
    ``root`` was read for dataset=fashion_mnist over torchvision's ``FashionMNIST/raw``.
    Not found under ``split`` all, the refusal names the split of the files that are there."""
    found = _everywhere(root, stem, name)
    if not found:
        raise DataError(
            f"dataset {name!r}: {stem}[.gz] not found in {shown_path(root)}; expected a folder "
            "with "
            + ", ".join(f"{s}[.gz]" for pair in _FILES.values() for s in pair)
            + _other_split(root, stem, name, split=split)
        )
    for other in found[1:]:
        if _head(other) != _head(found[0]):
            raise DataError(
                f"{shown_path(found[0])} and {shown_path(other)} both hold {stem}, with different "
                "data (MNIST and "
                "Fashion-MNIST name their files alike), and only one is read; "
                + ("move the one that does not belong away" if other.parent == found[0].parent
                   else "point dataset.path at the folder of the one meant, or move the other "
                   "away")
            )
    return found[0]


def _everywhere(root: Path, stem: str, name: str) -> list[Path]:
    """The IDX files ``stem`` in ``root`` and its folders (`_find`), the one read first."""
    return [file for folder in (root, root / "raw", root / name / "raw", root / name)
            for file in _found_in(folder, stem)]


def _other_split(root: Path, stem: str, name: str, *, split: object) -> str:
    """Where ``stem`` is missing under dataset.split=all and the other part's files are all
    there (the t10k files alone: the train download failed, or was not kept), the split
    that reads those alone; "" otherwise."""
    part = next(p for p, stems in _FILES.items() if stem in stems)
    other = "test" if part == "train" else "train"
    try:
        there = split == "all" and all(_everywhere(root, s, name) for s in _FILES[other])
    except DataError:  # (those files have problems of their own, said when they are read)
        there = False
    if not there:
        return ""
    return f"; the {other} files are there: dataset.split={other} reads them alone"


def _found_in(folder: Path, stem: str) -> list[Path]:
    """The IDX files ``stem`` in ``folder`` (`_find`), the one read first: each name the
    loader takes there, so that `_find` compares them (the Kaggle name's copy beside LeCun's,
    a ``.gz`` beside a folder of the file's name, were ignored whatever they held), and
    beside them the same names in another letter case (a copy from macOS or Windows). A folder
    named as the file that holds none is refused (`_inside`) where no other name is found."""
    found: list[Path] = []
    empty: DataError | None = None
    for base in dict.fromkeys((stem, stem.replace("-idx", ".idx"))):
        for candidate in (folder / base, folder / f"{base}.gz"):
            if candidate.is_dir():
                try:
                    candidate = _inside(candidate, stem)
                except DataError as exc:
                    empty = empty or exc
                    continue
            if is_regular_file(candidate) and candidate not in found:
                beside = candidate.with_name(f"{candidate.name}.gz")
                if candidate.suffix != ".gz" and is_regular_file(beside):
                    _check_same(candidate, beside)
                found.append(candidate)
    if not found and empty is not None:
        raise empty
    if found:  # (a name in another case alone is not looked for: 'not found' names the file)
        names = [f"{base}{gz}" for base in (stem, stem.replace("-idx", ".idx"))
                 for gz in ("", ".gz")]
        found += [file for file in other_cases(folder, names) if is_regular_file(file)]
    return found


def _inside(folder: Path, stem: str) -> Path:
    """The IDX file in ``folder``, a folder named as the file (some unpacking tools make
    ``train-images-idx3-ubyte/train-images-idx3-ubyte``); a `DataError` saying what to move
    when it holds none (it was refused as "not a regular file; point dataset.path at the
    data file itself", but these loaders take the folder)."""
    for base in dict.fromkeys((folder.name.removesuffix(".gz"), stem)):
        for inner in (folder / base, folder / f"{base}.gz"):
            if inner.is_file():
                return inner
    raise DataError(
        f"{shown_path(folder)}: is a folder, where the IDX file {stem}[.gz] was expected, and "
        f"holds no file of that name; put the file itself in {shown_path(folder.parent)}"
    )


def _npz_hint(file: Path) -> str:
    """What to read ``file`` with when it is an .npz (np.savez of the images), or ""."""
    with open_regular(file) as handle:
        head = handle.read(ARCHIVE_HEAD)
    if not is_npz_head(head):
        return ""
    return (" (it is an .npz of numpy arrays, not an IDX file: read it with dataset=npz, "
            "dataset.x_key and dataset.y_key naming the images and labels)")


def _swapped(images: np.ndarray, image_file: Path, label_file: Path) -> str:
    """What to do with an images file whose IDX header gives other than 3 dimensions: one
    value per sample (labels: the files' names swapped?), flattened images [N, H*W], or a
    channel axis of 1 ([N, 1, H, W], [N, H, W, 1]); these were refused without a word of
    what to do."""
    if images.ndim == 1:
        return (f" (one value per sample: labels; if {shown_path(label_file.name)} holds the "
                "images, the two files' names are swapped: rename them)")
    _, *rest = images.shape
    side = math.isqrt(rest[0]) if images.ndim == 2 else 0
    if side > 1 and side * side == rest[0]:
        how = (f"flattened images of {rest[0]} pixels each: save them as [N, {side}, {side}] "
               f"(x.reshape(-1, {side}, {side})) in an IDX file of 3 dimensions")
    elif images.ndim == 4 and 1 in (rest[0], rest[2]):
        hw = rest[1:] if rest[0] == 1 else rest[:2]
        how = ("one channel kept as an axis of its own: save them as [N, H, W] "
               f"(x.reshape(-1, {hw[0]}, {hw[1]})) in an IDX file of 3 dimensions")
    else:
        how = "an MNIST-style images file holds N images of H x W pixels (3 dimensions)"
    return (f": {how}; or read the images as an .npz with dataset=npz (x [N, C, H, W] or "
            "[N, H, W] of uint8 pixels, y [N])")


def _head(file: Path) -> bytes | None:
    """The first `_COMPARED_BYTES` of ``file``'s data (decompressed when it is gzip), or
    ``None`` when it cannot be decompressed."""
    with open_regular(file) as handle:
        if handle.read(2) != b"\x1f\x8b":
            handle.seek(0)
            return handle.read(_COMPARED_BYTES)
        handle.seek(0)
        try:
            with gzip.GzipFile(fileobj=handle) as stream:
                return stream.read(_COMPARED_BYTES)
        except (EOFError, OSError, zlib.error):
            return None


def _check_same(plain: Path, compressed: Path) -> None:
    """Refuse a file whose .gz beside it holds other data (their first `_COMPARED_BYTES`):
    the uncompressed one was read and the other ignored, silently (an MNIST file left
    beside a Fashion-MNIST download: the same sizes, other images)."""
    if _head(compressed) != _head(plain):
        raise DataError(
            f"{plain} and {compressed} hold different data, and only one is read; delete the "
            "one that does not belong (or decompress the .gz again over the other)"
        )


def _source(name: str, folder_name: str, path: object, *, split: object, normalize: object,
            max_samples: object, seed: object) -> tuple[Path, list[tuple[Path, Path]]]:
    """The settings checked and the IDX files found (images, labels) for each part of
    ``split``, reading none of their data."""
    check_image_settings(split=split, normalize=normalize, max_samples=max_samples, seed=seed)
    root = require_path(
        path,  # type: ignore[arg-type]
        name=name,
        expected="a folder with train-images-idx3-ubyte[.gz] and the other IDX files",
    )
    if not root.is_dir():
        raise DataError(f"dataset {name!r}: {shown_path(root)} is a file; point dataset.path at "
                        "its folder"
                        + _npz_hint(root))
    pairs = []
    for part in ("train", "test"):
        if split in ("all", part):
            image_file, label_file = (_find(root, stem, folder_name, split=split)
                                      for stem in _FILES[part])
            pairs.append((image_file, label_file))
    return root, pairs


@reports_file_errors
def check_mnist_source(*, path: Any, split: Any = "all", normalize: Any = True,
                       max_samples: Any = None, seed: Any = 0, **_: Any) -> None:
    """What `load_mnist` refuses before it reads an IDX file's data, in its words: the
    settings and the files of ``split`` (found, regular files). The config check runs it, so
    mia-train refuses these before the run directory is made."""
    _source("mnist", "MNIST", path, split=split, normalize=normalize, max_samples=max_samples,
            seed=seed)


@reports_file_errors
def check_fashion_mnist_source(*, path: Any, split: Any = "all", normalize: Any = True,
                               max_samples: Any = None, seed: Any = 0, **_: Any) -> None:
    """`check_mnist_source` for `load_fashion_mnist`."""
    _source("fashion_mnist", "FashionMNIST", path, split=split, normalize=normalize,
            max_samples=max_samples, seed=seed)


def _load(
    name: str,
    folder_name: str,
    path: str | os.PathLike[str] | None,
    *,
    split: str,
    normalize: bool,
    max_samples: int | None,
    seed: int,
) -> Dataset:
    root, pairs = _source(name, folder_name, path, split=split, normalize=normalize,
                          max_samples=max_samples, seed=seed)
    images, labels, label_files = [], [], []
    for image_file, label_file in pairs:
        x, y = read_idx(image_file), read_idx(label_file)
        if x.ndim != 3:
            raise DataError(f"{shown_path(image_file)}: images must be [N, H, W], got shape "
                            f"{x.shape}"
                            + _swapped(x, image_file, label_file))
        if x.dtype != np.uint8:
            # The loader scales by 1/255: pixels stored as floats in [0, 1] or as wider
            # integers would come out at another scale, silently.
            raise DataError(
                f"{shown_path(image_file)}: images are stored as {x.dtype.name} (IDX type "
                f"{_type_code(x.dtype):#04x}); MNIST-style images are unsigned bytes 0..255 "
                "(type 0x08): save the pixels as uint8, or the images as an .npz (dataset=npz)"
            )
        if y.ndim != 1 and len(y) == len(x):  # one label per image, of another shape
            raise DataError(
                f"{shown_path(label_file)}: labels have shape {y.shape}, where an MNIST-style "
                "label file holds one class index per image [N] (an IDX file of 1 dimension)"
                + ("; one-hot labels: save y.argmax(1)" if y.ndim == 2 and y.size and
                   (y.sum(axis=1) == 1).all() and y.max() == 1 else "")
            )
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(
                f"{shown_path(label_file)}: labels have shape {y.shape} but "
                f"{shown_path(image_file)} holds {len(x)} "
                "images; use the label file that belongs to these images"
            )
        images.append(x)
        labels.append(y)
        label_files.append(label_file)
    if len({im.shape[1:] for im in images}) > 1:
        train, test = (f"{im.shape[1]}x{im.shape[2]}" for im in images)
        raise DataError(
            f"{shown_path(root)}: train images are {train} pixels but test images {test}; they "
            "come from different datasets: put the matching files together, or load one part "
            "(dataset.split=train or test)"
        )
    return finish_images([im[:, None] for im in images], labels, root=root, name=name,
                         num_classes=10, max_samples=max_samples, seed=seed,
                         normalize=normalize, parts=label_files)  # fmt: skip


@reports_file_errors
def load_mnist(
    *,
    path: str | os.PathLike[str] | None,
    split: str = "all",
    normalize: bool = True,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """MNIST (70000 digits, 10 classes) from its four IDX files.

    Args:
        path: the folder holding ``train-images-idx3-ubyte[.gz]`` etc. (or torchvision's
            ``MNIST/raw`` parent).
        split: ``all`` (train and test pooled; the plan splits them), ``train`` or ``test``.
        normalize: scale to [0, 1], then zero mean and unit variance.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    return _load(
        "mnist", "MNIST", path, split=split, normalize=normalize, max_samples=max_samples, seed=seed
    )


@reports_file_errors
def load_fashion_mnist(
    *,
    path: str | os.PathLike[str] | None,
    split: str = "all",
    normalize: bool = True,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Fashion-MNIST (70000 images, 10 classes): same IDX layout and options as `load_mnist`."""
    return _load(
        "fashion_mnist",
        "FashionMNIST",
        path,
        split=split,
        normalize=normalize,
        max_samples=max_samples,
        seed=seed,
    )
