"""The header line of a CSV file: the column names, the label column among them, and lines
that are no header where one is read (Excel's ``sep=;`` line, a sample, a repeated header).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from mia_defense.constraints import clipped, override_text, quoted_list_hint, shown_path
from mia_defense.data.checks import closest_name, is_number_text, shown_name, shown_names
from mia_defense.data.csv_columns import drop_override
from mia_defense.data.guards import JOINED_BOM
from mia_defense.errors import ConfigError, DataError, closest

__all__ = ["check_header", "excel_separator", "refuse_bom_row", "refuse_repeated_header",
           "refuse_sample_as_header"]


def excel_separator(row: list[str], reader: Any, *, path: Path) -> bool:
    """Whether ``row`` is Excel's ``sep=;`` line (the delimiter, before the header): skipped
    when it names dataset.delimiter, refused naming the setting when it names another."""
    delimiter = reader.dialect.delimiter
    text = delimiter.join(row).strip(" ")
    if len(text) != 5 or not text.startswith("sep="):
        return False
    if text[4] != delimiter:
        raise DataError(
            f"{shown_path(path)}: line {reader.line_num} is {text!r}: Excel's note that the fields "
            f"are separated by {text[4]!r}; set {_delimiter_override(text[4])}"
        )
    return True


def refuse_repeated_header(row: list[str], header: list[str], *, path: Path,
                            line: int) -> None:
    """A `DataError` for a row that repeats the header line (files joined with ``cat``
    keep each one's header): in a file of text columns only it was read as a sample, its
    label (the label column's name) a class of its own and each column's name a category,
    silently (a file with a column of numbers stopped, that column mixing in text)."""
    if [field.strip() for field in row] == header:
        raise DataError(
            f"{shown_path(path)}: line {line} repeats the header line "
            f"{shown_names(header, what='columns')}: files joined together (cat a.csv b.csv) keep "
            "the header of each; it would be read as a sample, with the label column's name as a "
            "class: remove the repeated header lines"
        )


def refuse_glued_header(row: list[str], header: list[str], *, path: Path, line: int) -> None:
    """A `DataError` for a row that ends with the header line glued onto its last value:
    files joined with ``cat`` where the first ends with no line break ('7,8,0a,b,label'),
    refused as 'line 31 has 5 fields but the header has 3', not as joined files."""
    width = len(header)
    if len(row) != 2 * width - 1 or [f.strip() for f in row[width:]] != header[1:]:
        return
    last = row[width - 1].strip()
    if not last.removesuffix(header[0]).removesuffix("\ufeff").strip() or \
            not last.endswith(header[0]):
        return
    raise DataError(
        f"{shown_path(path)}: line {line} ends with the header line "
        f"{shown_names(header, what='columns')} glued onto its last value "
        f"({clipped(last, limit=80)!r}): "
        "files joined together (cat a.csv b.csv), the first ending with no line break; end "
        "that line before the header's first name and remove the repeated header line"
    )


def refuse_bom_row(row: list[str], header: list[str], *, path: Path, line: int) -> None:
    """A `DataError` for a row that opens with a byte-order mark (U+FEFF), which only starts
    a file: files joined with ``cat`` where a later one was saved with it (Excel's "CSV
    UTF-8"); its repeated header was read as a row of text ("column 'a' mixes numbers and
    text ('\\ufeffa')"), not refused as `refuse_repeated_header` refuses one without it."""
    if not row or not row[0].startswith("\ufeff"):
        return
    joined = JOINED_BOM
    if [field.strip() for field in (row[0][1:], *row[1:])] == header:
        raise DataError(
            f"{shown_path(path)}: line {line} repeats the header line "
            f"{shown_names(header, what='columns')} behind a byte-order mark: {joined}; it "
            "would be read as a sample: remove the repeated header lines"
        )
    raise DataError(f"{shown_path(path)}: line {line} starts with a byte-order mark: {joined}; "
                    "remove the mark")


def refuse_sample_as_header(header: list[str], *, path: Path, label_column: str,
                             line: int) -> None:
    """A `DataError` when line 1, read as the header, is a sample: the label column's name,
    text, is the label of line ``line`` too, and line 1 holds numbers among its names (a
    numeric name such as pandas' '2' may well be a label too). iris.data (no header line)
    with dataset.label_column=Iris-setosa, the name the "no column" message listed, lost
    its first sample without a word."""
    numbers = [name for name in header if is_number_text(name)]
    if numbers and not is_number_text(label_column):  # (pandas' 0..D-1 names: labels 0, 1, 2)
        raise DataError(
            f"{shown_path(path)}: line 1, read as the column names, is a sample: it holds numbers "
            f"({numbers[:3]}), and the name it gives the label column, "
            f"{shown_name(label_column, header)} "
            f"(dataset.label_column), is the label of line {line} as well; the file has no "
            "header line: add one naming the columns, and set dataset.label_column to the "
            "label column's name in it"
        )


def _is_data_line(header: list[str]) -> bool:
    """Whether the header ``header`` is a sample, not column names: every field a number,
    and not the integers 0..D-1 or 1..D (pandas' names of unnamed columns)."""
    try:
        numbers = [float(h) for h in header]
    except ValueError:
        return False
    ranks = [float(i) for i in range(len(header))]
    integers = all(re.fullmatch(r"\d+", h) for h in header)
    return not (integers and numbers in (ranks, [r + 1 for r in ranks]))


def check_header(header: list[str], *, path: Path, label_column: str,
                  drop: frozenset[str] = frozenset()) -> None:
    data_line = _is_data_line(header)
    shown = shown_names(header, what="columns")
    if label_column not in header:
        other = [d for d in ";\t|," if len(header) == 1 and d in header[0]]
        hint = (f" (one column: are the fields separated by {other[0]!r}? then set "
                f"{_delimiter_override(other[0])})" if other else "")
        if len(header) == 1 and header[0].startswith("|") and header[0].count("|") == 1:
            # UCI's adult.test opens with '|1x3 Cross validator': '|' is no separator there
            hint = (f" (the first line, {header[0]!r}, is a comment, as UCI's adult.test "
                    "opens with: remove that line, so that the first line names the columns)")
        elif header[0].startswith("#"):  # '# exported by ...' (a comma in it splits it)
            hint = (f" (the first line, starting {header[0][:40]!r}, is a comment: remove the "
                    "comment lines, so that the first line names the columns)")
        numbers = [h for h in header if is_number_text(h)]
        if data_line:
            hint += (" (line 1 holds numbers only: the file has no header line; add one "
                     "naming the columns)")
        elif numbers and len(numbers) < len(header):  # (all numbers: pandas' 0..D-1 names)
            hint += (f" (line 1 holds numbers among the names, {numbers[:3]}: if it is a "
                     "sample, as in UCI's adult.data, the file has no header line; add one "
                     "naming the columns)")
        cased = [h for h in header if h.casefold() == label_column.casefold()]
        if cased:
            hint += (" (column names are case-sensitive: did you mean "
                     f"{shown_name(cased[0], header)}?)")
        elif re.fullmatch(r"-?\d+", label_column) and -len(header) <= int(label_column) \
                < len(header) and not data_line:
            hint += (f" (it takes a column's name, not its position: column {label_column} "
                     f"counting from 0 is {shown_name(header[int(label_column)], header)})")
        elif not data_line and (close := _closest_name(label_column, header)):
            hint += f" (did you mean {shown_name(close, header)}?)"  # dataset.label_column=lable
        raise DataError(
            f"{shown_path(path)}: no column {shown_name(label_column, header)} in the header "
            f"{shown}; set "
            f"dataset.label_column{hint}"
        )
    if data_line:  # dataset.label_column=2 matched a value of the first sample
        raise DataError(
            f"{shown_path(path)}: line 1 ({shown}) holds numbers only, not column names: "
            f"the file has no header line, and its first sample would be read as one (column "
            f"{shown_name(label_column, header)} is a value of it); add a header line naming "
            "the columns"
        )
    _check_dropped(header, path=path, label_column=label_column, drop=drop)
    if "" in header and "" not in drop:
        raise DataError(
            f"{shown_path(path)}: column {header.index('') + 1} of the header has no name (pandas "
            "writes its row index so, unless to_csv(index=False); a trailing delimiter leaves one "
            f"too): a row number is not a feature ({drop_override('')} skips it); drop the column "
            "or give it a name"
        )
    repeated = [name for name, count in Counter(header).items()
                if count > 1 and name not in drop]
    if repeated:
        where = [i + 1 for i, h in enumerate(header) if h == repeated[0]]
        skip = "" if repeated[0] == label_column else (
            f"; {drop_override(repeated[0])} skips them all, if they are no features")
        raise DataError(
            f"{shown_path(path)}: column name {shown_name(repeated[0], header)} appears "
            f"{len(where)} times in the "
            f"header (columns {where}{skip}); give every column a distinct name"
        )
    if len(header) < 2:
        raise DataError(f"{shown_path(path)}: needs at least one feature column besides "
                        f"{shown_name(label_column, header)}")
    if all(h in drop for h in header if h != label_column):
        raise ConfigError(
            f"dataset.drop_columns={shown_names(sorted(drop), what='columns', header=header)} "
            f"drops every feature column of {shown_path(path)}: keep at least one besides the "
            f"label column {shown_name(label_column, header)}"
        )


def _closest_name(name: str, header: list[str]) -> str | None:
    """The column name of ``header`` that ``name`` most likely misspells (`closest` at 0.75),
    or ``None``. difflib compares it with each name: 66 s for a 35 MB first line of 3,000,000
    fields (a JSON file read as a CSV), hence the distinct names alone, of lengths within
    the ratio 0.6 that a match at 0.75 needs (2 * shorter / (both) >= 0.75), and none
    suggested beyond `_SUGGESTED_FROM` of them: no header of column names is that wide."""
    low, high = 0.6 * len(name), len(name) / 0.6
    names = [h for h in dict.fromkeys(header) if low <= len(h) <= high]
    return closest(name, names, cutoff=0.75) if len(names) <= _SUGGESTED_FROM else None


# Most column names compared with a misspelt dataset.label_column for a 'did you mean'.
_SUGGESTED_FROM = 100_000


def _check_dropped(header: list[str], *, path: Path, label_column: str,
                   drop: frozenset[str]) -> None:
    """Refuse a name of ``dataset.drop_columns`` that is the label column or no column of
    the header (a typo would leave the column a feature without a word)."""
    if label_column in drop:
        raise ConfigError(
            f"dataset.drop_columns: {shown_name(label_column, header)} is the label column "
            "(dataset.label_column); list feature columns only"
        )
    columns = set(header)  # (a name at a time in the list: 25,000 of 50,000 took 5 s)
    for name in sorted(drop):
        if name not in columns:
            close = closest_name(name, header)
            raise ConfigError(
                f"dataset.drop_columns: {shown_path(path)} has no column "
                f"{shown_name(name, header)} (its columns: "
                f"{shown_names(header, what='columns')})"
                + (quoted_list_hint("dataset.drop_columns", name)
                   or (f"; did you mean {shown_name(close, header)}?" if close else ""))
            )


def _delimiter_override(delimiter: str) -> str:
    """The command-line setting of ``dataset.delimiter``, quoted for a shell; a tab as the
    loader reads it, ``'\\t'`` (a tab pasted into a shell completes names)."""
    if delimiter == "\t":
        return "dataset.delimiter='\\t'"
    return override_text("dataset.delimiter", delimiter)
