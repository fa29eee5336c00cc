"""Tabular data from the user's files: Purchase100, Texas100, generic CSV and NPZ.

NPZ files are opened with ``allow_pickle=False``: object arrays are refused, never unpickled.
"""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mia_defense.data.checks import finish_dataset, require_path
from mia_defense.data.dataset import Dataset
from mia_defense.errors import DataError

__all__ = ["load_csv", "load_npz", "load_purchase100", "load_texas100"]

_X_KEYS = ("features", "x", "X", "data")
_Y_KEYS = ("labels", "y", "Y", "targets", "label")


def _open_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataError(
                f"{path}: holds object (pickled) arrays, which are never loaded; save plain "
                "numeric arrays with np.savez"
            ) from exc
        raise DataError(f"{path}: not a valid .npz file ({exc})") from exc
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: truncated or corrupt .npz file ({exc})") from exc


def _pick(arrays: dict[str, np.ndarray], key: str | None, options: Sequence[str], *,
          path: Path, what: str, setting: str) -> np.ndarray:
    if key is not None:
        if key not in arrays:
            raise DataError(
                f"{path}: no array {key!r} ({what}); it holds {sorted(arrays)}; "
                f"set dataset.{setting} to one of them"
            )
        return arrays[key]
    for option in options:
        if option in arrays:
            return arrays[option]
    raise DataError(
        f"{path}: found no {what} array (looked for {list(options)}; it holds {sorted(arrays)}); "
        f"set dataset.{setting}"
    )


def _load_text_matrix(path: Path, *, dtype: type = np.float32) -> np.ndarray:
    """A comma-separated numeric matrix without header, one row per sample."""
    try:
        matrix = np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=2)
    except ValueError as exc:
        raise DataError(
            f"{path}: not a comma-separated numeric file ({exc}); expected one sample per "
            "line, values separated by commas"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a text file ({exc})") from exc
    if matrix.size == 0:
        raise DataError(f"{path}: contains no samples")
    return matrix


def _find_file(root: Path, names: Sequence[str], *, name: str, expected: str) -> Path:
    if root.is_file():
        return root
    for candidate in names:
        if (root / candidate).is_file():
            return root / candidate
    raise DataError(f"dataset {name!r}: none of {list(names)} found in {root}; expected {expected}")


_PURCHASE_EXPECTED = (
    "dataset_purchase (text: label 1..100 then 600 comma-separated 0/1 features per line) or "
    "an .npz with 'features' [N, 600] and 'labels' [N]"
)


def load_purchase100(
    *,
    path: str | os.PathLike[str] | None,
    label_base: int | None = None,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Purchase100 (Shokri et al. 2017): 197324 customers, 600 binary features, 100 classes.

    Args:
        path: ``dataset_purchase`` (the text file of the original release: the label, then the
            features, comma-separated, one customer per line), its folder, or an ``.npz`` with
            ``features``/``labels`` (or ``x``/``y``; one-hot labels accepted).
        label_base: 0 or 1; ``None`` detects the original 1-based labels (1..100).
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    root = require_path(path, name="purchase100", expected=_PURCHASE_EXPECTED)
    file = _find_file(
        root, ("dataset_purchase", "purchase100.npz"), name="purchase100",
        expected=_PURCHASE_EXPECTED,
    )
    if file.suffix == ".npz":
        arrays = _open_npz(file)
        x = _pick(arrays, None, _X_KEYS, path=file, what="features", setting="path")
        y = _pick(arrays, None, _Y_KEYS, path=file, what="labels", setting="path")
    else:
        matrix = _load_text_matrix(file)
        if matrix.shape[1] < 2:
            raise DataError(f"{file}: need a label column and features, got 1 column")
        x, y = matrix[:, 1:], matrix[:, 0]
    return finish_dataset(
        x, y, name="purchase100", source=str(file), num_classes=100, label_base=label_base,
        max_samples=max_samples, seed=seed,
    )


_TEXAS_EXPECTED = (
    "the texas/100/ folder with 'feats' (comma-separated 0/1 features, one patient per line) and "
    "'labels' (one label 1..100 per line), or an .npz with 'features' and 'labels'"
)


def load_texas100(
    *,
    path: str | os.PathLike[str] | None,
    label_base: int | None = None,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Texas100 (Shokri et al. 2017): 67330 hospital stays, 6169 binary features, 100 classes.

    Args:
        path: the folder with ``feats`` and ``labels`` (as in ``dataset_texas.tgz``: ``texas/100/``;
            the archive's top folder works too), or an ``.npz`` with ``features``/``labels``.
        label_base: 0 or 1; ``None`` detects the original 1-based labels (1..100).
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    root = require_path(path, name="texas100", expected=_TEXAS_EXPECTED)
    if root.is_file() and root.suffix != ".npz":
        raise DataError(f"dataset 'texas100': {root} is not an .npz; expected {_TEXAS_EXPECTED}")
    if root.is_file() or (root / "texas100.npz").is_file():
        file = root if root.is_file() else root / "texas100.npz"
        arrays = _open_npz(file)
        x = _pick(arrays, None, _X_KEYS, path=file, what="features", setting="path")
        y = _pick(arrays, None, _Y_KEYS, path=file, what="labels", setting="path")
        source = file
    else:
        folder = next(
            (f for f in (root, root / "texas" / "100", root / "100") if (f / "feats").is_file()),
            None,
        )
        if folder is None or not (folder / "labels").is_file():
            raise DataError(f"dataset 'texas100': no feats/labels files in {root}; expected "
                            f"{_TEXAS_EXPECTED}")
        x = _load_text_matrix(folder / "feats", dtype=np.float32)
        y = _load_text_matrix(folder / "labels", dtype=np.float64)
        if y.shape[1] != 1:
            raise DataError(f"{folder / 'labels'}: expected one label per line, got {y.shape[1]}")
        if len(x) != len(y):
            raise DataError(
                f"{folder}: 'feats' has {len(x)} rows but 'labels' has {len(y)}; they must match"
            )
        y, source = y[:, 0], folder
    return finish_dataset(
        x, y, name="texas100", source=str(source), num_classes=100, label_base=label_base,
        max_samples=max_samples, seed=seed,
    )


def load_npz(
    *,
    path: str | os.PathLike[str] | None,
    x_key: str = "x",
    y_key: str = "y",
    num_classes: int | None = None,
    standardize: bool = False,
    max_samples: int | None = None,
    seed: int = 0,
    name: str = "npz",
) -> Dataset:
    """Any ``.npz`` with a features array [N, ...] (images keep their shape) and labels [N].

    Args:
        path: the ``.npz`` file (loaded with ``allow_pickle=False``).
        x_key: name of the features array.
        y_key: name of the labels array (integers, or one-hot [N, C]).
        num_classes: C; ``None`` infers ``max(label) + 1``.
        standardize: zero mean, unit variance per feature (per channel for [N, C, H, W]).
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
        name: the dataset's name in logs and results.
    """
    file = require_path(path, name=name, expected="an .npz file made with np.savez")
    if file.is_dir():
        raise DataError(f"dataset {name!r}: {file} is a folder; point dataset.path at the .npz")
    arrays = _open_npz(file)
    x = _pick(arrays, x_key, (), path=file, what="features", setting="x_key")
    y = _pick(arrays, y_key, (), path=file, what="labels", setting="y_key")
    return finish_dataset(
        x, y, name=name, source=str(file), num_classes=num_classes, max_samples=max_samples,
        seed=seed, standardize=standardize,
    )


def _read_csv(path: Path, *, delimiter: str) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: not a readable CSV text file ({exc})") from exc
    if len(rows) < 2:
        raise DataError(f"{path}: needs a header line and at least one sample row")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise DataError(
                f"{path}: line {number} has {len(row)} fields but the header has {width}"
            )
    return rows


def _parse_column(values: list[str], *, path: Path, column: str) -> np.ndarray:
    try:
        return np.array([float(v) if v.strip() else np.nan for v in values], dtype=np.float64)
    except ValueError:
        bad = next(i for i, v in enumerate(values) if not _is_number(v))
        raise DataError(
            f"{path}: column {column!r} is not numeric ({values[bad]!r} on line {bad + 2}); "
            "encode categorical features as numbers (e.g. one-hot) first"
        ) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return not text.strip()
    return True


def load_csv(
    *,
    path: str | os.PathLike[str] | None,
    label_column: str,
    num_classes: int | None = None,
    delimiter: str = ",",
    standardize: bool = True,
    max_samples: int | None = None,
    seed: int = 0,
    name: str = "csv",
) -> Dataset:
    """A CSV file with a header line, numeric feature columns and one label column.

    Integer labels are used as class indices; any other labels (e.g. ``yes``/``no``) become
    classes 0..C-1 in sorted order. Empty fields count as missing values and are refused.

    Args:
        path: the CSV file.
        label_column: the header name of the label column.
        num_classes: C for integer labels; ``None`` infers ``max(label) + 1``.
        delimiter: the field separator.
        standardize: zero mean, unit variance per feature column.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
        name: the dataset's name in logs and results.
    """
    file = require_path(path, name=name, expected="a CSV file with a header line")
    if file.is_dir():
        raise DataError(f"dataset {name!r}: {file} is a folder; point dataset.path at the CSV")
    rows = _read_csv(file, delimiter=delimiter)
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if label_column not in header:
        raise DataError(
            f"{file}: no column {label_column!r} in the header {header}; set dataset.label_column"
        )
    if len(header) < 2:
        raise DataError(f"{file}: needs at least one feature column besides {label_column!r}")
    target = header.index(label_column)
    columns = list(zip(*body, strict=True))
    raw_labels = [v.strip() for v in columns[target]]
    if all(_is_int(v) for v in raw_labels):
        y = np.array([int(v) for v in raw_labels], dtype=np.int64)
    else:
        classes = sorted(set(raw_labels))
        if num_classes is not None and len(classes) != num_classes:
            raise DataError(
                f"{file}: column {label_column!r} has {len(classes)} distinct labels "
                f"{classes[:10]} but dataset.num_classes={num_classes}"
            )
        y = np.searchsorted(np.array(classes), np.array(raw_labels)).astype(np.int64)
    features = [
        _parse_column(list(col), path=file, column=header[i])
        for i, col in enumerate(columns)
        if i != target
    ]
    x = np.stack(features, axis=1)
    missing = np.isnan(x)
    if missing.any():
        row, col = np.argwhere(missing)[0]
        feature_names = [h for i, h in enumerate(header) if i != target]
        raise DataError(
            f"{file}: {int(missing.sum())} missing or NaN values (first in column "
            f"{feature_names[col]!r}, line {row + 2}); impute or drop them first"
        )
    return finish_dataset(
        x, y, name=name, source=str(file), num_classes=num_classes, max_samples=max_samples,
        seed=seed, standardize=standardize,
    )


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
