"""What DP-SGD's accounting leaves out of a run's data preprocessing: scaling with statistics
of the dataset as loaded, the categories the CSV loader one-hot encoded from the data, the
class count taken from the labels. Each is computed on every record, the members' included,
before training (`preprocessing_reason`: ε is then no guarantee; `preprocessing_note`:
results.json's ``privacy.preprocessing``). Torch-free: read from the ``dataset`` config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mia_defense.data import classes_from_labels, loads_csv

__all__ = ["preprocessing_note", "preprocessing_reason", "scaling_key"]


def scaling_key(dataset: Mapping[str, Any]) -> str | None:
    """The ``dataset`` config key that scales the features with statistics of the data as
    loaded, members included (``standardize``, ``normalize``), or ``None``."""
    return next((key for key in ("standardize", "normalize") if dataset.get(key)), None)


def preprocessing_reason(
    dataset: Mapping[str, Any], *, one_hot_columns: Sequence[str] | None = None
) -> str | None:
    """Why DP-SGD's ε is no guarantee for data preprocessed with what the members hold, or
    ``None``: the means and standard deviations of the dataset as loaded are computed from
    every record, the members' included, before training; a member's record then reaches
    every model's inputs through them, which the accounting (clipped, noised gradients)
    does not cover. So do the categories of the text columns the loader one-hot encoded
    (``one_hot_columns``: the loaded `Dataset`'s, ``None`` when unknown): which features
    exist depends on the members (a category one member alone holds is a feature of its
    own, in every model's input). So does the class count the CSV and npz loaders take from
    the labels (``num_classes`` null): a label one member alone holds is an output of its own."""
    reasons = []  # the scaling's reason last: it ended the message before the one-hot one
    if one_hot_columns:
        reasons.append(
            f"the text columns {_column_names(one_hot_columns)} were one-hot encoded with the "
            "categories found in the data, members included, a data-dependent step outside "
            "DP-SGD's accounting: which features exist depends on the members (a category "
            "one member alone holds is a feature of its own); give each of them a public "
            "list of categories in dataset.categories ({column: [category, ...]}: its "
            "features are then that list, fitted on no row), or encode them beforehand as "
            "0/1 or number columns, for an ε that holds"
        )
    key = scaling_key(dataset)
    if key is not None:
        reasons.append(
            f"dataset.{key}=true: the features were scaled with means and standard deviations "
            "computed on the dataset, members included, a data-dependent step outside "
            f"DP-SGD's accounting; set dataset.{key}=false (features on a fixed scale, or "
            "scaled beforehand with statistics of public data) for an ε that holds"
        )
    if classes_from_labels(dataset):
        reasons.append(
            "dataset.num_classes=null: the classes are the distinct labels found in the data, "
            "members included, a data-dependent step outside DP-SGD's accounting: how many "
            "outputs every model has depends on the members (a label one member alone holds "
            "is a class of its own); set dataset.num_classes to the public number of classes "
            "for an ε that holds"
        )
    return "; ".join(reasons) or None


def _column_names(names: Sequence[str]) -> str:
    """``names`` as a list for a message (`mia_defense.data.checks.shown_names`)."""
    from mia_defense.data.checks import shown_names

    return shown_names(list(names), what="text columns")


def preprocessing_note(
    dataset: Mapping[str, Any], *, one_hot_columns: Sequence[str] | None = None
) -> str:
    """results.json's ``privacy.preprocessing``: what data-dependent preprocessing the
    accounting leaves out, from the ``dataset`` config node and the text columns the loader
    one-hot encoded (``one_hot_columns``, ``None`` when unknown); `preprocessing_reason`
    says whether that makes ``privacy.epsilon_valid`` false."""
    keys = [key for key in ("standardize", "normalize") if key in dataset]
    key = scaling_key(dataset)
    categories = _categories_note(dataset, one_hot_columns)
    if key is not None:
        return (
            f"outside the accounting: dataset.{key}=true scales the features with means and "
            "standard deviations of the whole dataset, members included"
        ) + categories
    return (
        "outside the accounting: no data-dependent scaling by mia-defense "
        f"({', '.join(f'dataset.{k}=false' for k in keys) or 'none configured'}); "
        "whatever a custom loader does is not accounted either"
    ) + categories


def _categories_note(dataset: Mapping[str, Any], one_hot_columns: Sequence[str] | None
                     ) -> str:
    """The CSV loader's one-hot encoding, for `preprocessing_note`, or "": the categories of
    a text column are those its rows outside the test set hold, members included, so which
    features exist depends on the members, and ε does not cover it. With the loaded
    dataset's ``one_hot_columns`` known, the note names them, or says there were none.
    The columns of ``dataset.categories`` are said apart: their fixed lists depend on no
    record."""
    fixed = _fixed_list_columns(dataset)
    by_list = (f"; the CSV's text columns {_column_names(fixed)} are one-hot encoded with "
               "the fixed lists of dataset.categories, which depend on no record"
               if fixed else "")  # fmt: skip
    if one_hot_columns:
        return (f"; and the CSV's text columns {_column_names(one_hot_columns)} are one-hot "
                "encoded with the list of categories taken from the data (the rows the "
                "loader fitted on, members included): which categories exist is not covered "
                "by epsilon") + by_list
    if not loads_csv(dataset):
        return ""
    if one_hot_columns is not None:
        return by_list or "; the CSV has no text columns: nothing was one-hot encoded"
    return ("; and the CSV's text columns, if any, are one-hot encoded with the list of "
            "categories taken from the data (the rows outside the test set, members "
            "included): which categories exist is not covered by epsilon") + by_list


def _fixed_list_columns(dataset: Mapping[str, Any]) -> list[str]:
    """The text columns the CSV loader encoded with a fixed list (``dataset.categories``
    of a `load_csv` config; the loader refuses a column there that is no text column)."""
    fixed = dataset.get("categories")
    if not loads_csv(dataset):
        return []
    return [str(column) for column in fixed] if isinstance(fixed, Mapping) else []
