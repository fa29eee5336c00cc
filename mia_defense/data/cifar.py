"""CIFAR-10 / CIFAR-100 from the user's files: python pickle batches (read with a restricted
unpickler, no code runs) or the binary version. Images keep their shape [N, 3, 32, 32]."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import shown, shown_path
from mia_defense.data.checks import (
    check_image_settings,
    finish_images,
    require_path,
    shown_names,
)
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import (
    ARCHIVE_HEAD,
    is_regular_file,
    read_regular,
    refuse_archive,
    refuse_binary_for,
    refuse_lfs_pointer,
    reports_file_errors,
)
from mia_defense.data.safe_pickle import safe_loads
from mia_defense.errors import ConfigError, DataError

__all__ = [
    "IMAGE_SHAPE",
    "check_cifar10_source",
    "check_cifar100_source",
    "known_input",
    "load_cifar10",
    "load_cifar100",
]

log = logging.getLogger(__name__)

IMAGE_SHAPE = (3, 32, 32)
_PIXELS = math.prod(IMAGE_SHAPE)


@dataclass(frozen=True)
class _Layout:
    """File names of one CIFAR variant, per format and split."""

    name: str
    python_dir: str
    binary_dir: str
    python_files: dict[str, tuple[str, ...]]
    binary_files: dict[str, tuple[str, ...]]
    label_bytes: int  # bytes before each binary image: 1 (CIFAR-10) or 2 (coarse, fine)
    label_keys: tuple[str, ...]  # a python batch's labels, in the binary's byte order


_CIFAR10 = _Layout(
    name="cifar10",
    python_dir="cifar-10-batches-py",
    binary_dir="cifar-10-batches-bin",
    python_files={
        "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test": ("test_batch",),
    },
    binary_files={
        "train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
        "test": ("test_batch.bin",),
    },
    label_bytes=1,
    label_keys=("labels",),
)
_CIFAR100 = _Layout(
    name="cifar100",
    python_dir="cifar-100-python",
    binary_dir="cifar-100-binary",
    python_files={"train": ("train",), "test": ("test",)},
    binary_files={"train": ("train.bin",), "test": ("test.bin",)},
    label_bytes=2,
    label_keys=("coarse_labels", "fine_labels"),
)


def _expected(layout: _Layout) -> str:
    py = ", ".join(layout.python_files["train"] + layout.python_files["test"])
    binary = ", ".join(layout.binary_files["train"] + layout.binary_files["test"])
    return (
        f"the extracted {layout.python_dir}/ ({py}) or {layout.binary_dir}/ ({binary}) "
        "folder, or one batch file"
    )


def _find_files(root: Path, layout: _Layout, split: str) -> list[Path]:
    """The batch files of ``split`` under ``root`` (a batch file, a batch folder or its parent)."""
    if root.is_file():
        other = [s for s in ("train", "test") if s != split and split != "all"
                 and root.name in layout.python_files[s] + layout.binary_files[s]]
        if other:  # the split picks a folder's files; one file of the other split was read
            raise ConfigError(
                f"dataset.split={split!r} but dataset.path is {shown_path(root)}, a {other[0]} "
                "batch; point dataset.path at the batch folder to choose its files by split, or "
                "leave dataset.split=all"
            )
        return [root]
    names = {
        kind: [n for s in ("train", "test") if split in ("all", s) for n in files[s]]
        for kind, files in (("python", layout.python_files), ("binary", layout.binary_files))
    }
    candidates = [
        (folder, kind, found)
        for folder in (root, root / layout.python_dir, root / layout.binary_dir)
        for kind in ("python", "binary")
        if (found := [folder / n for n in names[kind] if is_regular_file(folder / n)])
    ]
    if candidates:
        folder, kind, found = candidates[0]
        for other in candidates[1:]:
            _check_same_batches(layout, candidates[0], other, names, split=split)
        _warn_missing(folder, names[kind], found, split=split)
        return found
    raise DataError(
        f"dataset {layout.name!r}: no CIFAR batch files for split {split!r} in {shown_path(root)}; "
        f"expected {_expected(layout)}" + _other_layout(root, layout)
    )


def _check_same_batches(
    layout: _Layout,
    used: tuple[Path, str, list[Path]],
    other: tuple[Path, str, list[Path]],
    names: dict[str, list[str]],
    *,
    split: str,
) -> None:
    """Refuse batch files of ``split`` found twice (`_find_files`: the python and the binary
    version, in one folder or in cifar-10-batches-py/ and -bin/ side by side) with other
    data: the first were read and the others ignored without a word. They are compared by
    their first batch found in both (its images and labels, in any order); batches found in
    only one (other files of the split) are other data too. IDX files found twice are
    refused alike (idx._find)."""
    (folder, kind, found), (other_folder, other_kind, other_found) = used, other
    key = {path: names[kind].index(path.name) for path in found}
    other_key = {names[other_kind].index(path.name): path for path in other_found}
    pair = next(((p, other_key[i]) for p, i in key.items() if i in other_key), None)
    if pair is not None and _same_file(*pair):
        return  # (one folder reached twice, through a link)
    records = None if pair is None else _records(pair[0], layout)
    if records is None and pair is not None:
        return  # the batch read is unreadable: reading it says why
    if pair is not None and _same_records(records, _records(pair[1], layout)):
        return
    shown = pair or (found[0], other_found[0])
    versions = (f"two copies of the {kind} version" if kind == other_kind
                else f"{kind} and {other_kind} versions")
    raise DataError(
        f"dataset {layout.name!r}: {shown_path(shown[0])} and {shown_path(shown[1])} hold "
        f"different data (CIFAR batch files of split {split!r}, {versions}), and only the "
        f"{kind} batches in {shown_path(folder)} are read; point "
        "dataset.path at the folder (or the batch file) meant, or move the batches that do "
        f"not belong away from {shown_path(other_folder)}"
    )


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:
        return False


def _same_records(one: np.ndarray | None, other: np.ndarray | None) -> bool:
    return one is not None and other is not None and one.tobytes() == other.tobytes()


def _records(path: Path, layout: _Layout) -> np.ndarray | None:
    """The records of batch ``path`` as the binary version stores them (label bytes, then
    pixels), sorted: the same images and labels in any order give the same array. ``None``
    when it does not read as a batch of ``layout``."""
    record = layout.label_bytes + _PIXELS
    try:
        data = read_regular(path, what="reading the CIFAR batch")
        if _is_binary(path, data, layout.label_bytes):
            if not data or len(data) % record:
                return None
            rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, record)
        else:
            batch = safe_loads(data, source=path, encoding="bytes")
            if not isinstance(batch, dict):
                return None
            batch = {k.decode("latin1") if isinstance(k, bytes) else k: v
                     for k, v in batch.items()}  # fmt: skip
            pixels = batch["data"]
            labels = [np.asarray(batch[key]) for key in layout.label_keys]
            if not (isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8
                    and pixels.shape[1:] == (_PIXELS,)
                    and all(y.shape == (len(pixels),) and y.dtype.kind in "iu" for y in labels)
                    and all(y.size == 0 or 0 <= y.min() <= y.max() <= 255 for y in labels)):
                return None
            rows = np.concatenate(
                [np.stack(labels, axis=1).astype(np.uint8), pixels.reshape(len(pixels), -1)],
                axis=1,
            )
    except (DataError, OSError, KeyError, TypeError, ValueError):
        return None
    return np.sort(np.ascontiguousarray(rows).view(f"V{record}").ravel())


def _other_layout(root: Path, layout: _Layout) -> str:
    """Which dataset to ask for when ``root`` holds the other CIFAR's batch files (a
    cifar-100-python/ folder given to dataset=cifar10), or ""."""
    other = _CIFAR100 if layout is _CIFAR10 else _CIFAR10
    names = [n for files in (other.python_files, other.binary_files) for s in files.values()
             for n in s]
    for folder in (root, root / other.python_dir, root / other.binary_dir):
        if any((folder / n).is_file() for n in names):
            return (f" ({shown_path(folder)} holds {other.name}'s batch files: set "
                    f"dataset={other.name})")
    return ""


def _warn_missing(folder: Path, names: list[str], found: list[Path], *, split: str) -> None:
    """Say which batch files of ``split`` are missing (a half-extracted archive): the run
    would use a smaller dataset than the user thinks."""
    missing = [n for n in names if folder / n not in found]
    if missing:
        log.warning(
            "%s: %d of the %d CIFAR batch files of split %r are missing (%s); using the %d "
            "found. Extract the archive again for the whole dataset", folder, len(missing),
            len(names), split, ", ".join(missing), len(found),
        )


def _read_batch(path: Path, layout: _Layout, *, label_key: str, label_index: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Images [N, 3, 32, 32] and labels [N] of one batch file, pickle or binary."""
    data = read_regular(path, what="reading the CIFAR batch")
    # (no binary batch starts so: its first byte is a label below 100, not 'v')
    refuse_lfs_pointer(path, data[:ARCHIVE_HEAD], expected="a CIFAR batch file")
    if path.suffix != ".bin":  # a binary batch may start with any label and pixel bytes
        refuse_archive(path, data[:ARCHIVE_HEAD], expected="a CIFAR batch file")
    # (none of those formats starts with a byte below 20, a binary batch's first label)
    refuse_binary_for(
        path, data[:ARCHIVE_HEAD], expected="a CIFAR batch file", reads_pickles=True,
        instead=f"point dataset.path at the extracted {layout.python_dir}/ or "
                f"{layout.binary_dir}/ folder of the CIFAR download",
        savez="save X [N, 3, 32, 32] and y with np.savez('data.npz', x=X, y=y) and use "
              "dataset=npz",
    )
    if _is_binary(path, data, layout.label_bytes):
        return _read_binary_batch(path, data, label_bytes=layout.label_bytes,
                                  label_index=label_index)
    return _read_python_batch(path, data, label_key)


def _read_python_batch(path: Path, raw: bytes, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    batch = safe_loads(raw, source=path, encoding="bytes")
    if not isinstance(batch, dict):
        raise DataError(f"{shown_path(path)}: expected a dict of CIFAR arrays, got "
                        f"{type(batch).__name__}")
    names = [k.decode("latin1") if isinstance(k, bytes) else k for k in batch]
    seen: set[object] = set()
    repeated = next((n for n in names if n in seen or seen.add(n)), None)
    if repeated is not None:  # b'labels' and 'labels': which one counts was the dict's order
        raise DataError(
            f"{shown_path(path)}: holds the key {repeated!r} twice (as bytes and as text); which "
            "one is meant is ambiguous: use the original CIFAR batch"
        )
    batch = dict(zip(names, batch.values(), strict=True))
    if "data" not in batch or label_key not in batch:
        raise DataError(
            f"{shown_path(path)}: missing key 'data' or {label_key!r} (found "
            f"{shown_names(sorted(map(str, batch)), what='keys')}); "
            "is this the right CIFAR variant (dataset=cifar10 vs cifar100)?"
        )
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        got = f"dtype {data.dtype}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{shown_path(path)}: 'data' must be a uint8 array (pixels 0..255), got "
                        f"{got}; use the original CIFAR batch, or save other images as an .npz "
                        "(dataset=npz)")
    if data.ndim != 2 or data.shape[1] != _PIXELS:
        raise DataError(f"{shown_path(path)}: 'data' must have shape [N, {_PIXELS}], got "
                        f"{data.shape}")
    labels = _label_array(batch[label_key], path=path, key=label_key)
    if labels.shape != (len(data),):
        raise DataError(
            f"{shown_path(path)}: {len(data)} images but {label_key!r} has shape {labels.shape}"
        )
    return data.reshape(-1, *IMAGE_SHAPE), labels


def _label_array(value: object, *, path: Path, key: str) -> np.ndarray:
    """The labels of a batch as an array, left for `finish_dataset` to check as labels
    (so 1.5 or NaN is refused there rather than truncated to an integer here)."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise DataError(f"{shown_path(path)}: {key!r} must be a list of integers, got "
                        f"{type(value).__name__}")
    if not isinstance(value, np.ndarray):
        # A pickle may repeat one list or string by reference for free: a 34 KB file of
        # lists of one shared list made numpy build a 1 GB array before its shape was seen.
        # (the position, not the value, marks one found: a None label is a value found)
        other = next((i for i, v in enumerate(value)
                      if not isinstance(v, (int, float, np.number))), None)
        if other is not None:
            found = value[other]
            raise DataError(
                f"{shown_path(path)}: {key!r} must be a flat list of integers, found "
                f"{'None' if found is None else 'a ' + type(found).__name__} in it (position "
                f"{other}, from 0); use the original CIFAR batch"
            )
    if _holds_bools(value):
        raise DataError(
            f"{shown_path(path)}: {key!r} holds true/false values, not class indices: a CIFAR "
            "batch's labels are integers 0..C-1, and true/false would be read as its classes 0 and "
            "1, every other class empty; write the class indices (the original CIFAR batch has "
            "them), or save a two-class task of your own as an .npz of the images and 0/1 labels "
            "(dataset=npz)"
        )
    try:
        labels = np.asarray(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DataError(f"{shown_path(path)}: {key!r} must be a list of integers ({exc})") from exc
    if labels.dtype == object:
        raise DataError(f"{shown_path(path)}: {key!r} {_beyond_int64(labels)}")
    return labels


def _beyond_int64(labels: np.ndarray) -> str:
    """What numpy kept as objects in flat ``labels`` (of ints and floats alone): the first
    integer beyond 64 bits and its position, the words a refusal names it in."""
    for position, value in enumerate(labels.tolist()):
        if isinstance(value, int) and not -(2**63) <= value < 2**64:
            return (f"must be a list of integers, found {value} at position {position} (from "
                    "0): too large for a class index (0..C-1); use the original CIFAR batch")
    return "must be a list of integers (found other values)"


def _read_binary_batch(
    path: Path, data: bytes, *, label_bytes: int, label_index: int
) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(data, dtype=np.uint8)
    record = label_bytes + _PIXELS
    if raw.size == 0 or raw.size % record:
        raise DataError(
            f"{shown_path(path)}: {raw.size} bytes is not a whole number of {record}-byte CIFAR "
            "records (truncated, or not a CIFAR binary batch of this variant)"
        )
    rows = raw.reshape(-1, record)
    return rows[:, label_bytes:].reshape(-1, *IMAGE_SHAPE), rows[:, label_index].astype(np.int64)


def _holds_bools(value: list | tuple | np.ndarray) -> bool:
    """Whether a batch's labels are true/false (a bool array, or a list with a bool in it):
    numpy reads them as 0 and 1, classes of the dataset's C, where a hand-made batch's
    true/false (a 'labels == 3' mask, a two-class task) meant no such classes."""
    if isinstance(value, np.ndarray):
        return value.dtype == np.bool_
    return any(isinstance(v, bool | np.bool_) for v in value)


def _is_binary(path: Path, data: bytes, label_bytes: int) -> bool:
    if path.suffix == ".bin":
        return True
    # Pickles start with the PROTO opcode (0x80) or, for protocol 0/1, '(' / '}'.
    return data[:1] not in (b"\x80", b"(", b"}") and len(data) % (label_bytes + _PIXELS) == 0


def _source(layout: _Layout, path: object, *, split: object, normalize: object,
            max_samples: object, seed: object) -> tuple[Path, list[Path]]:
    """The settings checked and the batch files found, reading none of them: the folder
    (or file) ``path`` names and the batch files of ``split``."""
    check_image_settings(split=split, normalize=normalize, max_samples=max_samples, seed=seed)
    root = require_path(path, name=layout.name,  # type: ignore[arg-type]
                        expected=_expected(layout))
    return root, _find_files(root, layout, str(split))


@reports_file_errors
def check_cifar10_source(*, path: Any, split: Any = "all", normalize: Any = True,
                         max_samples: Any = None, seed: Any = 0, **_: Any) -> None:
    """What `load_cifar10` refuses before it reads a batch, in its words: the settings and the
    batch files (they exist, are regular files, and are there for ``split``). The config
    check runs it, so mia-train refuses these before the run directory is made."""
    _source(_CIFAR10, path, split=split, normalize=normalize, max_samples=max_samples,
            seed=seed)


@reports_file_errors
def check_cifar100_source(*, path: Any, split: Any = "all", labels: Any = "fine",
                          normalize: Any = True, max_samples: Any = None, seed: Any = 0,
                          **_: Any) -> None:
    """`check_cifar10_source` for `load_cifar100` (and its ``labels`` setting)."""
    _check_labels(labels)
    _source(_CIFAR100, path, split=split, normalize=normalize, max_samples=max_samples,
            seed=seed)


def _num_classes(name: str, labels: object = "fine") -> int:
    """Classes of ``load_cifar10``, or of ``load_cifar100`` with ``labels`` (fine: 100)."""
    return 10 if name == "load_cifar10" else 20 if labels == "coarse" else 100


def known_input(name: str, settings: Mapping[str, Any]) -> tuple[tuple[int, ...], int] | None:
    """The input shape and classes loader ``name`` gives with its config ``settings`` (the
    dataset node), known without loading: the config check builds the model on them."""
    if name not in ("load_cifar10", "load_cifar100"):
        return None
    return IMAGE_SHAPE, _num_classes(name, settings.get("labels"))


def _check_labels(labels: object) -> None:
    if labels not in ("fine", "coarse"):
        raise ConfigError(f"dataset.labels={shown(labels)}: choose from ('fine', 'coarse')")


def _load(
    layout: _Layout,
    path: str | os.PathLike[str] | None,
    *,
    split: str,
    label_key: str,
    num_classes: int,
    label_index: int,
    normalize: bool,
    max_samples: int | None,
    seed: int,
) -> Dataset:
    root, found = _source(layout, path, split=split, normalize=normalize,
                          max_samples=max_samples, seed=seed)
    images, labels, files = [], [], []
    for file in found:
        x, y = _read_batch(file, layout, label_key=label_key, label_index=label_index)
        images.append(x)
        labels.append(y)
        files.append(file)
    return finish_images(images, labels, root=root, name=layout.name, num_classes=num_classes,
                         max_samples=max_samples, seed=seed, normalize=normalize,
                         parts=files)  # fmt: skip


@reports_file_errors
def load_cifar10(
    *,
    path: str | os.PathLike[str] | None,
    split: str = "all",
    normalize: bool = True,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """CIFAR-10 (60000 images, 10 classes) from ``cifar-10-batches-py/`` or ``-bin/``.

    Args:
        path: the batch folder, its parent, or a single batch file.
        split: ``all`` (train and test batches pooled; the plan splits them), ``train``, ``test``.
        normalize: scale to [0, 1], then zero mean and unit variance per channel.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    return _load(
        _CIFAR10,
        path,
        split=split,
        label_key="labels",
        num_classes=_num_classes("load_cifar10"),
        label_index=0,
        normalize=normalize,
        max_samples=max_samples,
        seed=seed,
    )


@reports_file_errors
def load_cifar100(
    *,
    path: str | os.PathLike[str] | None,
    split: str = "all",
    labels: str = "fine",
    normalize: bool = True,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """CIFAR-100 (60000 images) from ``cifar-100-python/`` or ``cifar-100-binary/``.

    Args:
        path: the batch folder, its parent, or a single batch file.
        split: ``all``, ``train`` or ``test``.
        labels: ``fine`` (100 classes) or ``coarse`` (20 superclasses).
        normalize: scale to [0, 1], then zero mean and unit variance per channel.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    _check_labels(labels)
    fine = labels == "fine"
    return _load(
        _CIFAR100,
        path,
        split=split,
        label_key=f"{labels}_labels",
        num_classes=_num_classes("load_cifar100", labels),
        label_index=1 if fine else 0,
        normalize=normalize,
        max_samples=max_samples,
        seed=seed,
    )
