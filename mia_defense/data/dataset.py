"""The `Dataset` seam: features, labels and the number of classes, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mia_defense.constraints import is_integer, shown, shown_path
from mia_defense.errors import ConfigError, DataError

__all__ = ["Dataset", "check_name", "refuse_masked"]

# More classes than this, and than twice both the samples and the largest label, are refused:
# a typo, and the models and attacks grow with the classes (as data.checks._SUBSET_CLASSES).
_MAX_EMPTY_CLASSES = 1000


@dataclass(frozen=True)
class Dataset:
    """A labelled dataset held in memory.

    Attributes:
        x: features, float32, shape [N, ...]: flat vectors [N, D] or images [N, C, H, W].
        y: integer labels in ``[0, num_classes)``, shape [N].
        num_classes: number of classes C.
        name: a short name used in logs and reports.
        source: the file or directory it was read from ("" for embedded data); named in errors.
        class_labels: the label in the file of each class index, when the loader changed the
            labels (1-based labels, values such as 3, 7, 9, or text); ``None`` when class
            ``i`` is label ``i`` of the file.
        one_hot_columns: the text columns the loader one-hot encoded with the categories
            it found in the data, members included (`load_csv`), in the file's order;
            empty when it encoded none. Which features exist then depends on the members,
            which DP-SGD's ε does not cover
            (`mia_defense.defenses.dp_preprocessing.preprocessing_reason`).
            A column given a fixed list (``dataset.categories``) is not among them: its
            features depend on no record.
        label_copies: the feature columns found to copy the labels, exactly or nearly
            (`mia_defense.data.checks.warn_label_copies`), by name or as ``column j``:
            results.json's ``data_label_copies``, a caveat of mia-report (test accuracy and
            the attacks then measure the copy).
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    name: str
    source: str = ""
    class_labels: tuple[Any, ...] | None = None
    one_hot_columns: tuple[str, ...] = ()
    label_copies: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """``dataset 'name'`` plus the file it came from, for error messages."""
        where = f" (from {shown_path(self.source)})" if self.source else ""
        return f"dataset {self.name!r}{where}"

    def __post_init__(self) -> None:
        check_name(self.name)
        source = self.description
        _check_arrays(self, source)
        _check_metadata(self, source)
        # a Python int: a numpy one (np.uint8(3)) overflowed in the sizes computed from it
        object.__setattr__(self, "num_classes", int(self.num_classes))
        if self.x.ndim < 2:
            raise DataError(f"{source}: features must have shape [N, ...], got {self.x.shape}")
        if not all(self.x.shape[1:]):  # no feature: duplicate_count and the models fail raw
            raise DataError(f"{source}: features have shape {self.x.shape}: no values per "
                            "sample; give at least one feature")
        if self.y.ndim != 1 or len(self.y) != len(self.x):
            raise DataError(
                f"{source}: labels must have shape [{len(self.x)}], got {self.y.shape}"
            )
        if not np.issubdtype(self.y.dtype, np.integer):
            raise DataError(f"{source}: labels must be integers, got dtype {self.y.dtype}")
        finite = np.isfinite(self.x)
        if not finite.all():
            bad = np.flatnonzero(~finite.reshape(len(self.x), -1).all(axis=1))
            raise DataError(
                f"{source}: features contain NaN or inf in {len(bad)} samples "
                f"(first at sample {bad[0]}); clean or impute them first"
            )
        _check_float32_range(self.x, source)
        if self.num_classes < 2:
            raise DataError(f"{source}: need at least 2 classes, got {self.num_classes}")
        if len(self.y) == 0:
            raise DataError(f"{source}: holds no samples")
        if self.y.min() < 0 or self.y.max() >= self.num_classes:
            raise DataError(
                f"{source}: labels must lie in [0, {self.num_classes}), "
                f"found [{self.y.min()}, {self.y.max()}]"
            )
        _check_class_count(self.num_classes, self.y, source)
        if not (self.y != self.y[0]).any():
            raise DataError(
                f"{source}: all {len(self.y)} labels are the same class ({self.y[0]}); a "
                "classifier and its membership-inference attacks need at least 2 classes"
            )
        if self.class_labels is not None and len(self.class_labels) != self.num_classes:
            raise DataError(
                f"{source}: class_labels names {len(self.class_labels)} classes but "
                f"num_classes is {self.num_classes}"
            )

    def __len__(self) -> int:
        return len(self.y)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample (what a model's first layer receives)."""
        return tuple(self.x.shape[1:])

    @property
    def num_features(self) -> int:
        """Number of scalar inputs of one sample."""
        return int(np.prod(self.input_shape))


def check_name(name: object, *, setting: bool = False) -> None:
    """A `DataError` unless ``name`` (a `Dataset`'s, or a loader's ``name`` setting, checked
    with its other settings before the file is read) is non-empty text; ``setting``: it is
    the loader's ``name`` argument (``dataset.name``): a `ConfigError`, in the same words."""
    if not isinstance(name, str) or not name.strip():
        # (a dataset._target_ of the user's returning name=5 or None trained and attacked
        # in full, then mia-report skipped its results.json: 'dataset is a number 5, not
        # a name')
        raise (ConfigError if setting else DataError)(
            f"Dataset(name={shown(name)}): the name must be non-empty text (results.json's "
            "dataset, by which the report puts the run on its dataset's front); give "
            "name='my_data'"
        )


def _check_arrays(data: Dataset, source: str) -> None:
    """A `DataError` for fields of the wrong kind: torch tensors, lists, text features or a
    num_classes that is no integer reached numpy's checks below as a TypeError ("Cannot
    interpret 'torch.int64' as a data type") or an AttributeError."""
    for field in ("x", "y"):
        value = getattr(data, field)
        if not isinstance(value, np.ndarray):
            raise DataError(
                f"{source}: {field} is a {type(value).__module__}.{type(value).__qualname__}, "
                f"not a numpy array; pass np.asarray({field}) (a torch tensor: "
                f"{field}.numpy())"
            )
        _check_plain(value, field, source)
    if not (np.issubdtype(data.x.dtype, np.number) or data.x.dtype == np.bool_):
        raise DataError(f"{source}: features must be numbers, got dtype {data.x.dtype}; "
                        "encode text columns first (dataset=csv does: one-hot)")
    if np.issubdtype(data.x.dtype, np.complexfloating):  # the models dropped the imaginary part
        raise DataError(f"{source}: features must be real numbers, got dtype {data.x.dtype}; "
                        "pass the real and imaginary parts as features of their own")
    classes = data.num_classes
    if not is_integer(classes):
        raise DataError(f"{source}: num_classes must be an integer, got {classes!r}")


def _check_metadata(data: Dataset, source: str) -> None:
    """A `DataError` for ``class_labels`` or ``one_hot_columns`` of the wrong kind (a user's
    loader builds them): ``class_labels=5`` was a raw TypeError, ``'ab'`` the labels 'a' and
    'b', and ``one_hot_columns='colour'`` the columns 'c', 'o', ... in DP-SGD's note on ε.
    A list (or a 1-D array of class labels) is kept as a tuple."""
    labels = data.class_labels
    if isinstance(labels, np.ndarray) and labels.ndim == 1:
        labels = labels.tolist()
    if labels is not None:
        if not isinstance(labels, list | tuple):
            raise DataError(f"{source}: class_labels={labels!r}: must be a tuple (or list) of "
                            "the label of each class in the file, one per class, or None")
        object.__setattr__(data, "class_labels", tuple(labels))
    columns = data.one_hot_columns
    if not isinstance(columns, list | tuple) or not all(isinstance(c, str) for c in columns):
        raise DataError(f"{source}: one_hot_columns={columns!r}: must be a tuple (or list) of "
                        "column names, e.g. ('colour',), or () for none")
    object.__setattr__(data, "one_hot_columns", tuple(columns))


def _check_plain(value: np.ndarray, field: str, source: str) -> None:
    """A `DataError` for an array of the other byte order (torch takes none), or a subclass
    that indexes otherwise: a numpy.matrix (what scipy.sparse's .todense() gives) stays 2-D
    when a row is taken, and ended the run in an IndexError traceback; a masked array's mask
    was ignored without a word, its masked (missing) values trained on as they were."""
    if not value.dtype.isnative:  # torch.from_numpy refused it in a ValueError traceback
        raise DataError(f"{source}: {field} has dtype {value.dtype.str}, whose byte order is not "
                        f"this machine's (torch takes its own only); pass {field}.astype("
                        f"{field}.dtype.newbyteorder('='))")
    if isinstance(value, np.matrix):
        raise DataError(f"{source}: {field} is a numpy.matrix (scipy.sparse's .todense() gives "
                        f"one), which indexes otherwise; pass np.asarray({field}) (or the "
                        f"sparse matrix's .toarray())")
    refuse_masked(value, field, source)


def refuse_masked(value: Any, field: str, source: str, *, use: str = "trained on") -> None:
    """A `DataError` for a numpy masked array: numpy's np.asarray, and every check and model
    after it, ignore its mask without a word, so its masked (missing) values were ``use`` as
    they are (a Dataset's: trained on; the arrays `mia_defense.api` takes: read)."""
    if isinstance(value, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(value))
        raise DataError(
            f"{source}: {field} is a masked array ({masked} values masked), whose mask would be "
            f"ignored: the masked values {use} as they are; fill or drop them and pass a "
            f"plain array ({field}.filled(value), or np.asarray({field}) if none is masked)"
        )


def _check_float32_range(x: np.ndarray, source: str) -> None:
    """A `DataError` for float64 (or wider) features beyond float32's range: the models
    train in float32, where they became inf, and the run stopped as "training diverged ...
    lower the learning rate"."""
    if x.dtype.kind != "f" or x.dtype.itemsize <= 4:
        return
    limit = float(np.finfo(np.float32).max)
    beyond = (np.abs(x) > limit).reshape(len(x), -1).any(axis=1)
    if beyond.any():
        bad = np.flatnonzero(beyond)
        raise DataError(
            f"{source}: features hold values beyond float32's range (+-3.4e38) in {len(bad)} "
            f"samples (first at sample {bad[0]}); the models compute in float32: rescale "
            "the features (e.g. standardise them)"
        )


def _check_class_count(num_classes: int, y: np.ndarray, source: str) -> None:
    """A `DataError` for a num_classes far beyond the labels: a custom loader's Dataset of
    300 samples with labels 0..2 and num_classes=10**7 built a 10-million-way model and
    trained it for minutes without end (the file loaders refuse such a dataset.num_classes
    already, `data.checks._check_user_classes`)."""
    fillable = max(len(y), int(y.max()) + 1)
    if num_classes > max(2 * fillable, _MAX_EMPTY_CLASSES):
        raise DataError(
            f"{source}: num_classes={shown(num_classes)} but its {len(y)} samples have labels "
            f"up to {int(y.max())}: at least {shown(num_classes - fillable)} of the classes "
            "have no sample, and the models and attacks grow with the classes; give the number of "
            "classes the labels use (map labels such as 0 and 1000000 to 0..C-1 first)"
        )
