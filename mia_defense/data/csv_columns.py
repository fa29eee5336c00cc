"""Checks of a parsed CSV's feature columns (`Table`), after the file is read.

Identifiers and row numbers, digits float32 features lose, values spelt two ways, text
columns' categories (dataset.categories, dataset.max_categories), missing and out-of-range
values; and dataset.drop_columns, the setting their messages suggest (`drop_override`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import (
    is_integer,
    override_text,
    quoted_list_hint,
    show,
    shown,
    shown_path,
)
from mia_defense.data.checks import (
    FLOAT32_WHOLE,
    ID_ROWS,
    as_written,
    closest_name,
    float32_merged,
    is_number_text,
    numbers_rows,
    shown_name,
    shown_names,
    typed_name,
)
from mia_defense.errors import ConfigError, DataError

__all__ = ["Table", "apply_fixed", "centred", "check_categories", "check_column_settings",
           "check_drop_columns", "check_fixed_categories", "check_fixed_columns",
           "check_label_column",
           "check_missing", "check_range", "drop_override", "kind_of_text", "rarest",
           "rows_phrase", "shown_text", "shown_variants", "spelling", "variants",
           "warn_feature_variants", "warn_float32_digits", "warn_row_numbers"]

# one logger for all of the CSV loader's modules: the name logging settings give it
log = logging.getLogger("mia_defense.data.csv_file")


@dataclass(frozen=True)
class Table:
    """A parsed CSV: feature column names, the label texts, each row's line number, the
    values [N, D] (float64; a text field holds its category's code, NaN where a field is
    empty), each column's categories (sorted; ``None`` for a numeric column) and the label
    column's name as the header writes it."""

    names: list[str]
    labels: list[str]
    lines: np.ndarray
    values: np.ndarray
    categories: list[list[str] | None]
    label: str = ""


def _drop_overrides(names: list[str], header: Collection[str] = ()) -> str:
    """The command-line setting that drops the columns ``names``, quoted for a shell."""
    if len(names) == 1:
        return drop_override(names[0], header)
    return override_text("dataset.drop_columns", [typed_name(name, header) for name in names])


def drop_override(name: str, header: Collection[str] = ()) -> str:
    """The command-line setting that drops column ``name``, quoted for a shell; a name that
    is not printable spelt with escapes (`typed_name`), in a spelling no name of ``header``
    is written as (one that is would be dropped in its place)."""
    return override_text("dataset.drop_columns", typed_name(name, header))


def _header(table: Table) -> set[str]:
    """The names a column setting is matched to (`as_written`): the features' and the
    label's."""
    return {*table.names, table.label}


def check_drop_columns(drop_columns: Any) -> frozenset[str]:
    """``dataset.drop_columns`` as a set of header names (an integer is its text, as for
    dataset.label_column; surrounding spaces ignored, as the header's are); `load_csv`
    checks the names against the file.

    Raises:
        ConfigError: neither a name nor a list of names.
    """
    if drop_columns is None:
        return frozenset()
    listed = quoted_list_hint("dataset.drop_columns", drop_columns)
    if listed and "," in drop_columns:  # (one column named '[a]' may be; '[a,b]' hardly)
        raise ConfigError(f"dataset.drop_columns={drop_columns!r}: one name, not a list"
                          f"{listed}")
    if isinstance(drop_columns, (str, int)) and not isinstance(drop_columns, bool):
        drop_columns = [drop_columns]
    if not isinstance(drop_columns, Sequence) or any(
            isinstance(name, bool) or not isinstance(name, (str, int)) for name in drop_columns):
        raise ConfigError(
            f"dataset.drop_columns={shown(drop_columns)}: must be a column name or a list of "
            "them, e.g. dataset.drop_columns='[id,note]' (quoted for the shell), or null"
            + _read_as_numbers(drop_columns)
        )
    return frozenset(column_name(name).strip() for name in drop_columns)


def column_name(name: Any) -> str:
    """A column name given as text or an integer (Hydra reads dataset.drop_columns=0 as one)
    as text; an integer too long to write out (10**5000 from Python: str() raised a raw
    ValueError) as `shown` words it, which no header holds."""
    return name if isinstance(name, str) else shown(name)


def _read_as_numbers(names: Any) -> str:
    """What to add to a refusal of dataset.drop_columns holding names Hydra read as numbers,
    booleans or null (1.5, 1e3, true, null: a header's names all the same): the setting
    with them quoted for Hydra; ``''`` where it holds none, or what no quoting makes a name."""
    def odd(name: Any) -> bool:
        return name is None or isinstance(name, float | bool)

    listed = isinstance(names, Sequence) and not isinstance(names, str)
    items = list(names) if listed else [names]
    if not any(map(odd, items)) or not all(odd(n) or isinstance(n, str | int) for n in items):
        return ""
    texts = [show(name) if odd(name) else column_name(name) for name in items]
    return (f"; Hydra read {', '.join(show(n) for n in items if odd(n))} as a value, not as a "
            "name: quote the names for Hydra as the header writes them, e.g. "
            f"{override_text('dataset.drop_columns', texts if listed else texts[0])}")


def check_label_column(label_column: Any) -> str:
    """``dataset.label_column`` as a header name: an integer is its text (a pandas frame
    saved without column names has the header 0,1,2,...), surrounding spaces ignored, as the
    header's are. An empty name, or spaces only, is refused before any data is read: it said
    "no column '' in the header [...]" once the run directory was made, and no column
    could be it (a column without a name is refused, or dropped)."""
    if is_integer(label_column):
        label_column = shown(int(label_column))  # dataset.label_column=57: Hydra reads an int
    if not isinstance(label_column, str):  # from Python: an AttributeError deep in the header
        raise ConfigError(f"dataset.label_column={shown(label_column)}: must be the header "
                          "name of the label column (text, or an integer for a header of numbers)")
    if not label_column.strip():
        raise ConfigError(f"dataset.label_column={label_column!r}: an empty name; set it to "
                          "the header name of the label column, e.g. dataset.label_column="
                          "income")
    return label_column.strip()


def check_column_settings(*, label_column: str, drop: frozenset[str],
                          fixed: Mapping[str, Any]) -> None:
    """Refuse dataset.drop_columns or dataset.categories naming the label column, and a
    dropped column with a fixed list, before any data is read (names compared in Unicode's
    composed form, as `load_csv` matches them to the header): the label column in
    dataset.drop_columns was refused only once the run directory was made."""
    def composed(name: str) -> str:
        return unicodedata.normalize("NFC", name)

    label, dropped = composed(label_column), {composed(name) for name in drop}
    if label in dropped:
        raise ConfigError(
            f"dataset.drop_columns: {shown_name(label_column)} is the label column "
            "(dataset.label_column); list feature columns only"
        )
    for column in fixed:
        if composed(column) == label:
            raise ConfigError(f"dataset.categories.{typed_name(column)}: {shown_name(column)} "
                              "is the label column (dataset.label_column); dataset.categories "
                              "lists the categories of text feature columns")
    both = sorted(column for column in fixed if composed(column) in dropped)
    if both:  # (else: 'no feature column', which the header's listing seemed to contradict)
        raise ConfigError(f"dataset.categories.{typed_name(both[0])}: column "
                          f"{shown_name(both[0])} is dropped (dataset.drop_columns): keep it, "
                          "or leave it out of dataset.categories")


# A number with a unit after it (12 kg, 3.5cm, 20 °C, 5 years); the unit is one word.
_WITH_UNIT = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)\s?(°?[^\W\d_]+)")
# A date, with a time or not: 2024-01-31, 2024/01/31, 31.01.2024, 01/31/2024, 31-01-24.
_DATE = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2}))"
                   r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
# Distinct values from which a column of numbers with one unit is said to be amounts: two
# (4WD, 2WD) may well be categories.
_UNIT_VALUES = 3


def kind_of_text(names: Iterable[str]) -> tuple[str, str] | None:
    """("dates", "") when every value is a date, ("unit", the unit) when every value is a
    number followed by one and the same unit (from `_UNIT_VALUES` values); ``None``
    otherwise. Such a column read as text is one-hot encoded, a category per value."""
    names = list(names)
    if names and all(_DATE.fullmatch(name) for name in names):
        return "dates", ""
    units = {m.group(1) if (m := _WITH_UNIT.fullmatch(name)) else None for name in names}
    if len(names) >= _UNIT_VALUES and len(units) == 1 and None not in units:
        return "unit", units.pop()  # type: ignore[return-value]
    return None


def warn_row_numbers(table: Table, *, path: Path) -> None:
    """Say when a numeric feature column numbers the rows (`numbers_rows`): an index or id
    saved with the data, which a model can learn the file's order from."""
    n = len(table.labels)
    if n < 3:
        return
    # n distinct whole numbers (or text values) span n - 1 at least: the other columns (0/1
    # features of a wide file) are passed over at once (100,000 columns: 2.5 s one by one)
    # (inf - inf: NaN; -1e308 to 1e308 overflows to inf: both refused later, passed over)
    with np.errstate(invalid="ignore", over="ignore"):
        spans = table.values.max(axis=0) - table.values.min(axis=0)
    for j in np.flatnonzero(np.isfinite(spans) & (spans >= n - 1)):
        name, column = table.names[j], table.values[:, j]
        if table.categories[j] is None and numbers_rows(column):
            log.warning(
                "%s: column %r counts the rows (%g to %g): a row number or id, not a feature; "
                "a model can learn the file's order from it (%s skips it): drop the column",
                path, name, column.min(), column.max(), drop_override(name, _header(table)),
            )
        elif n >= ID_ROWS:
            _warn_identifier(table, j, path=path)


# Words that end (or start) the name of an identifier column: customer_no, PassengerId.
_ID_WORDS = frozenset({"id", "ids", "idx", "index", "key", "no", "nr", "num", "number",
                       "uuid", "guid"})


def _id_name(name: str) -> bool:
    """Whether ``name`` names an identifier: pandas' 'Unnamed: 0', or words such as
    customer_no, PassengerId, id_client."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    return name.lower().startswith("unnamed:") or (bool(words) and (
        words[-1] in _ID_WORDS or words[0] in {"id", "idx", "index"}))


def _warn_identifier(table: Table, j: int, *, path: Path) -> None:
    """Say when column ``j`` holds an identifier `numbers_rows` does not catch: a text
    value of its own on every row (one-hot: a feature per record), or distinct whole
    numbers that increase down the file (a row index with gaps: pandas' after a filter) or
    under an id's name (customer_no 48213, 91822, ...). A model memorises records by it,
    and the attacks measured that leak, not the data's, without a word (a text id of 90
    rows: RMIA's AUC 0.71 against 0.56 without the column)."""
    name, column, n = table.names[j], table.values[:, j], len(table.labels)
    names = table.categories[j]
    if names is not None:  # (codes; a fixed list, dataset.categories, may hold more names)
        if np.unique(column).size < n or kind_of_text(names) is not None:  # dates: warned
            return
        log.warning(
            "%s: text column %r holds a different value on every row (%d rows, e.g. %r): an "
            "identifier, not a feature; one-hot encoded, each record gets a feature of its "
            "own, by which a model memorises it, and the attacks measure that leak, not the "
            "data's: drop the column (%s)", path, name, n, names[int(column[0])],
            drop_override(name, _header(table)),
        )
        return
    if not (column == np.round(column)).all() or np.unique(column).size < n:
        return  # (NaN: a missing value, refused later)
    if (np.diff(column) > 0).all():
        why = "increasing down the file, as a row index with gaps does"
    elif _id_name(name):
        why = "and is named like an identifier"
    else:
        return
    log.warning(
        "%s: column %r holds a different whole number on every row (%.15g to %.15g), %s: an "
        "identifier, not a feature; a model can memorise each record by it, and the attacks "
        "measure that leak, not the data's: drop the column (%s)", path, name, column.min(),
        column.max(), why, drop_override(name, _header(table)),
    )


def warn_float32_digits(table: Table, *, path: Path) -> None:
    """Say when a numeric column, unstandardised, holds values beyond 2**24 in magnitude
    (timestamps, ids) that the float32 features no longer tell apart (`float32_merged`)."""
    values = table.values
    for j, first, distinct, kept in float32_merged(values):
        if table.categories[j] is not None:
            continue
        column = values[:, j]
        log.warning(
            "%s: column %r holds values beyond 2**24 = %d in magnitude, where the float32 "
            "features keep fewer digits (%.17g on line %d is held as %.10g): its %d distinct "
            "values are %d as features; set dataset.standardize=true (each column is centred "
            "first, in float64), or subtract an offset from the column in the file", path,
            table.names[j], FLOAT32_WHOLE, column[first], table.lines[first],
            np.float32(column[first]), distinct, kept,
        )


def spelling(text: str) -> str:
    """``text`` without letter case, with runs of spaces as one, in Unicode's NFKC form and
    without invisible format characters (a zero-width space, a soft hyphen): two texts with
    the same spelling differ only in case, spacing or characters that look alike ('Male',
    'male', 'Self  emp', 'self emp'; 'café' composed and decomposed, as macOS writes it, were
    two classes, silently)."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(c) != "Cf")
    return " ".join(text.split()).casefold()


def shown_text(text: str) -> str:
    """``text`` quoted for a message, its escapes written out (``'cafe\\u0301'``) where it
    holds invisible or decomposed characters: two spellings that print alike tell apart."""
    plain = unicodedata.is_normalized("NFC", text) and not any(
        unicodedata.category(c) == "Cf" for c in text)
    return repr(text) if plain else ascii(text)


def variants(names: Sequence[str]) -> list[list[str]]:
    """The groups (two or more each) of ``names`` that share a `spelling`, in order of
    ``names``: computed on a column's distinct values, not its rows."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(spelling(name), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def rarest(group: list[str], names: Sequence[str], codes: np.ndarray,
            lines: np.ndarray) -> tuple[str, int, int]:
    """The spelling of ``group`` fewest rows hold (a typo, most likely), their count and
    its first line; ``codes`` are the rows' indices into ``names`` (NaN: missing)."""
    present = codes[~np.isnan(codes)].astype(np.int64)
    counts = np.bincount(present, minlength=len(names))
    rare = min(group, key=lambda name: counts[names.index(name)])
    first = int(np.flatnonzero(codes == names.index(rare))[0])
    return rare, int(counts[names.index(rare)]), int(lines[first])


def rows_phrase(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")


def shown_variants(groups: list[list[str]]) -> str:
    shown = "; ".join(" / ".join(shown_text(name) for name in group) for group in groups[:3])
    return shown + (f"; and {len(groups) - 3} more groups" if len(groups) > 3 else "")


def warn_feature_variants(table: Table, *, path: Path, fixed: Mapping[str, Any]) -> None:
    """Say, once per text feature column, when its values differ only in letter case or
    spacing ('Male', 'male'): each spelling was a category of its own (a one-hot feature
    apart), silently. Columns with a fixed list (``dataset.categories``) are the user's."""
    for j, (name, names) in enumerate(zip(table.names, table.categories, strict=True)):
        if names is None or name in fixed:
            continue
        groups = variants(names)
        if not groups:
            continue
        rare, count, line = rarest(groups[0], names, table.values[:, j], table.lines)
        log.warning(
            "%s: text column %r holds values that differ only in letter case or spacing, or "
            "in characters that look alike (%s): each spelling is a category of its own, a "
            "one-hot feature apart (%s: %s, first on line %d); if they are one value, write "
            "them alike in the file", path, name, shown_variants(groups), shown_text(rare),
            rows_phrase(count), line,
        )


def check_categories(table: Table, *, path: Path, max_categories: int) -> None:
    """Refuse a text column with more than ``max_categories`` distinct values."""
    for name, names in zip(table.names, table.categories, strict=True):
        if names is not None and len(names) > max_categories:
            raise DataError(
                f"{shown_path(path)}: column {shown_name(name, _header(table))} has {len(names)} "
                f"distinct text values (e.g. "
                f"{names[:3]}), more than dataset.max_categories={max_categories} one-hot "
                "features; an identifier or free text cannot be encoded usefully: drop the "
                f"column ({drop_override(name, _header(table))}), encode it as numbers "
                "yourself, or raise dataset.max_categories"
            )


# (quoted: a shell expands {a,b} unquoted)
_CATEGORIES_EXAMPLE = "e.g. dataset.categories='{colour:[red,green,blue]}'"


def check_fixed_categories(categories: Any) -> dict[str, tuple[str, ...]] | None:
    """``dataset.categories`` as {text column: its categories, in the given order}, or
    ``None`` (every text column's categories come from the data). Each list is stripped of
    surrounding spaces, as the file's fields are; `load_csv` checks the columns against the
    file.

    Raises:
        ConfigError: not a mapping of column names to lists; an empty list; an entry that
            is not text (a number, ``true``, ``null``, an empty string: a field that reads
            as a number is never a category of a text column); an entry listed twice.
    """
    if categories is None:
        return None
    if not isinstance(categories, Mapping):
        raise ConfigError(
            f"dataset.categories={shown(categories)}: must be a mapping of text columns to "
            f"the list of their categories ({_CATEGORIES_EXAMPLE}), or null"
        )
    fixed = {}
    for column, values in categories.items():
        key = f"dataset.categories.{typed_name(column_name(column))}"
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise ConfigError(f"{key}={shown(values)}: must be a list of the column's categories "
                              f"({_CATEGORIES_EXAMPLE})")
        if not values:
            raise ConfigError(
                f"{key}=[]: an empty list; list the column's categories ({_CATEGORIES_EXAMPLE}),"
                " or leave the column out of dataset.categories (its categories then come "
                "from the data)"
            )
        names = [v.strip() if isinstance(v, str) else v for v in values]
        odd = [v for v in values if not isinstance(v, str) or not v.strip() or is_number_text(v)]
        if odd:
            raise ConfigError(
                f"{key}={shown(list(values))}: {shown(odd[0])} is no text category; a text "
                "column's categories are text (an empty field is a missing value, and a field "
                "that reads as a number makes the column one of numbers): list text values only"
            )
        # (counted once each: names.count per entry took 66 s for a list of 60,000 codes)
        twice = sorted(v for v, count in Counter(names).items() if count > 1)
        if twice:
            raise ConfigError(f"{key}={list(values)!r}: lists {twice[0]!r} more than once "
                              "(surrounding spaces ignored); give each category once")
        fixed[column_name(column)] = tuple(names)
    return fixed


def check_fixed_columns(fixed: Iterable[str], names: Sequence[str], *,
                        path: Path, label_column: str) -> None:
    """Refuse a column of ``fixed`` (dataset.categories) that is the label column or none of
    the feature columns ``names`` (the header's, less the label and dataset.drop_columns):
    `apply_fixed` on the parsed table, and `csv_file.check_csv_source` on the header alone."""
    header = [*names, label_column]
    for column in fixed:
        key = f"dataset.categories.{typed_name(column, header)}"
        if column == label_column:
            raise ConfigError(f"{key}: {shown_name(column, header)} is the label column "
                              "(dataset.label_column); "
                              "dataset.categories lists the categories of text feature columns")
        if column not in names:
            close = closest_name(column, list(names))
            raise ConfigError(
                f"{key}: {shown_path(path)} has no feature column {shown_name(column, header)} "
                "(its feature columns: "
                f"{shown_names(list(names), what='columns', header=header)})"
                + (f"; did you mean {shown_name(close, header)}?" if close else "")
            )


def apply_fixed(table: Table, fixed: Mapping[str, Sequence[str]], *, path: Path,
                 label_column: str) -> Table:
    """The table with each column of ``fixed`` coded by its position in its fixed list
    (and that list as its categories), so the one-hot features are the list, in its order.

    Raises:
        ConfigError: a column of ``fixed`` that is the label column, not in the file, or
            not a text column there.
        DataError: a value of such a column outside its list (never dropped silently).
    """
    categories, values = list(table.categories), table.values
    check_fixed_columns(fixed, table.names, path=path, label_column=label_column)
    header = [*table.names, label_column]  # (the key spelt as `as_written` reads it back)
    for column, names in fixed.items():
        key = f"dataset.categories.{typed_name(column, header)}"
        j = table.names.index(column)
        found = categories[j]
        if found is None:
            if np.isnan(values[:, j]).all():
                continue  # every field empty: refused as missing values (`check_missing`)
            raise ConfigError(
                f"{key}: column {shown_name(column, header)} of {shown_path(path)} holds numbers, "
                "not text: it is "
                "one numeric feature, not one-hot encoded; leave it out of dataset.categories"
            )
        position = {name: i for i, name in enumerate(names)}
        listed = as_written(found, list(names))  # (café composed in the list, not the file)
        outside = [name for name, as_listed in zip(found, listed, strict=True)
                   if as_listed not in position]
        if outside:
            codes = values[:, j]
            first = np.flatnonzero(np.isin(codes, [found.index(n) for n in outside]))[0]
            raise DataError(
                f"{shown_path(path)}: column {shown_name(column, header)} holds {len(outside)} "
                "value(s) outside its "
                f"fixed list {key} (e.g. {outside[:3]}, first on line {table.lines[first]}); a "
                "value outside the list would have no feature: add those values to the list, or "
                "map them to listed categories in the file beforehand"
            )
        if not values.flags.writeable:
            values = values.copy()
        present = ~np.isnan(values[:, j])
        new = np.array([position[name] for name in listed], dtype=np.float64)
        values[present, j] = new[values[present, j].astype(np.int64)]
        categories[j] = list(names)
    return dataclasses.replace(table, values=values, categories=categories)


# Values of numeric columns centred together (`centred`): a median a column took 30 s for a
# CSV of 1,000,000 columns (the temporary block: 8 MB).
_CENTRED_VALUES = 1 << 20


def centred(table: Table) -> np.ndarray:
    """The table's values, each numeric column minus its median, in float64 (in place).

    The features are float32 (24 bits) and standardisation removes any shift of a column,
    so the shift changes nothing but the digits float32 keeps: dates written as 20240101
    lost their odd days, timestamps 1.7e9 + seconds became one value (a constant feature).
    The median, not the mean: an outlier cannot push the others' digits away."""
    values = table.values if table.values.flags.writeable else table.values.copy()
    numeric = np.flatnonzero([categories is None for categories in table.categories])
    step = max(1, _CENTRED_VALUES // max(1, len(values)))
    for start in range(0, len(numeric), step):
        columns = numeric[start : start + step]
        block = values[:, columns]
        if np.isfinite(block).all():  # medians of whole columns, taken together: the same
            values[:, columns] = block - np.median(block, axis=0)
            continue
        for j in columns:  # the finite values' median (inf is refused later, named)
            column = values[:, j]
            finite = np.isfinite(column)
            if finite.any():
                column -= np.median(column[finite])
    return values


def check_missing(table: Table, *, path: Path) -> None:
    missing = np.isnan(table.values)
    if missing.any():
        empty = np.flatnonzero(missing.all(axis=0)) if len(missing) > 1 else ()
        if len(empty):  # "impute or drop them" read as: drop every row
            names = [table.names[j] for j in empty]
            raise DataError(
                f"{shown_path(path)}: column {shown_name(names[0], _header(table))} is empty on "
                "every row "
                f"({len(missing)} rows)"
                + (f", and so {'is' if len(names) == 2 else 'are'} {len(names) - 1} more "
                   f"({shown_names(names[1:4], what='columns', header=_header(table))})"
                   if len(names) > 1 else "")
                + f": nothing to learn from; drop {'it' if len(names) == 1 else 'them'} ("
                + _drop_overrides(names, _header(table))
                + f") or fill {'it' if len(names) == 1 else 'them'} in"
            )
        row, col = np.argwhere(missing)[0]
        raise DataError(
            f"{shown_path(path)}: {int(missing.sum())} missing or NaN values (first in column "
            f"{shown_name(table.names[col], _header(table))}, line {table.lines[row]}); impute "
            "or drop them first"
        )


def check_range(values: np.ndarray, table: Table, *, path: Path) -> None:
    """Refuse ``values`` (the table's, centred or not) that float32 features cannot hold,
    as the features' own check does, naming the line and column too: it named a sample
    counted from 0, which is no line of the file."""
    with np.errstate(invalid="ignore"):
        beyond = ~(np.abs(values) <= np.finfo(np.float32).max)
    if beyond.any():
        row, col = np.argwhere(beyond)[0]
        value = values[row, col]
        held = value if np.isinf(value) else "a value beyond float32's range (+-3.4e38)"
        raise DataError(
            f"{shown_path(path)}: features contain NaN or inf in {int(beyond.any(axis=1).sum())} "
            f"samples (first at sample {row}); line {table.lines[row]}, column "
            f"{shown_name(table.names[col], _header(table))} holds {held}: clean or impute them "
            "first (values beyond "
            "float32's range count as inf)"
        )
