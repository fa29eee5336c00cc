"""A CSV file with a header line, feature columns of numbers or text, and a label column.

Text (categorical) feature columns, such as the Adult census file's ``workclass``, are
one-hot encoded with scikit-learn's `OneHotEncoder` and numeric columns standardised, both
fitted without the plan's test rows (`mia_defense.data.encoding`). Rows are parsed one at
a time into one float buffer (a text field stores its category's code), so memory stays
proportional to the values, not to Python strings.

This module reads the file and parses its rows (`load_csv`); `csv_header` checks the header
line, `csv_numbers` tells a field's number from its text, `csv_labels` makes the label
column classes, and `csv_columns` checks the parsed feature columns.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import logging
import os
from array import array
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from mia_defense.constraints import as_integer, shell_word, shown, shown_path
from mia_defense.data.checks import (
    UNSCALED_ADVICE,
    as_written,
    check_count,
    check_flag,
    check_max_samples,
    check_num_classes,
    check_seed,
    finish_dataset,
    require_path,
    unscaled,
)
from mia_defense.data.csv_columns import (
    Table,
    apply_fixed,
    centred,
    check_categories,
    check_column_settings,
    check_drop_columns,
    check_fixed_categories,
    check_fixed_columns,
    check_label_column,
    check_missing,
    check_range,
    warn_feature_variants,
    warn_float32_digits,
    warn_row_numbers,
)
from mia_defense.data.csv_header import (
    check_header,
    excel_separator,
    refuse_bom_row,
    refuse_glued_header,
    refuse_repeated_header,
    refuse_sample_as_header,
)
from mia_defense.data.csv_labels import class_indices
from mia_defense.data.csv_numbers import (
    INEXACT,
    DotInNumber,
    Kinds,
    check_decimal,
    comma_number,
    refuse_dot,
    refuse_nul,
    refuse_numbers_as_text,
    refuse_python_only,
    warn_inexact_integers,
    warn_prefixed_integers,
    warn_units_and_dates,
)
from mia_defense.data.dataset import Dataset, check_name
from mia_defense.data.encoding import encode_features, rows_outside_test
from mia_defense.data.guards import (
    ARCHIVE_HEAD,
    NUL_PADDING,
    check_memory,
    compression,
    decompressed,
    decompressed_size,
    gib,
    memory_budget,
    nul_alone,
    open_regular,
    read_as_opened,
    refuse_archive,
    refuse_binary,
    reports_file_errors,
    utf8_advice,
)
from mia_defense.data.paths import refuse_folder
from mia_defense.errors import ConfigError, DataError

__all__ = ["MAX_CATEGORIES", "check_csv_source", "load_csv"]


# Peak bytes of parsing a CSV, per byte of the file: 8 per value (an empty field takes one
# byte), then 4 more for the float32 copy; the label strings are fewer than the fields.
_CSV_BYTES_PER_BYTE = 16
# A text column with more distinct values is refused by default: an identifier or free text.
MAX_CATEGORIES = 100
# Distinct label texts shared between rows; beyond them (an identifier column) each row keeps
# its own string, as a dict entry per row would cost more than it saves.
_SHARED_LABELS = 100_000


# The parse's rate (one Python step per field: 88 MB of 40M fields in 16 s on a 2-core CPU)
# and the file size from which a load says how long it will take, instead of parsing unsaid.
_PARSE_BYTES_PER_SECOND = 5e6
_ANNOUNCED_BYTES = 100_000_000
# The longest line read, in bytes (a CSV's, and Purchase100's and Texas100's text files'):
# a longer one is refused as soon as this much of it is read (`LineBound`). A row of
# 1,000,000 features of 20 characters each is 20 MB; a file with no line break, JSON on one
# line, may hold gigabytes.
MAX_LINE_BYTES = 1 << 26

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _csv_rows(path: Path, *, delimiter: str,
              announce: bool = False) -> Iterator[Iterator[list[str]]]:
    """The rows of the CSV ``path`` as `csv.reader` gives them; its decoding and csv errors
    as `DataError` naming the file (for the whole read, or the header line alone)."""
    # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(ARCHIVE_HEAD)
        handle.seek(0)
        compressed = compression(head)
        if compressed:  # a .csv.gz, .bz2 or .xz: its text is counted, its head checked, first
            head, text_size = _decompressed_text(handle, path=path, size=size, kind=compressed)
        else:
            text_size = size
        check_memory(text_size * _CSV_BYTES_PER_BYTE, source=path, what="parsing the CSV")
        if announce and text_size > _ANNOUNCED_BYTES:
            log.info("%s: parsing %.3g MB of CSV text, about %.0f s at some %.0f MB/s "
                     "(machine-dependent)", path, text_size / 1e6,
                     text_size / _PARSE_BYTES_PER_SECOND, _PARSE_BYTES_PER_SECOND / 1e6)
        if compressed:
            stream = decompressed(handle, path=path, size=size, text_size=text_size)
        else:
            refuse_archive(path, head, expected="a CSV text file")
            refuse_binary(path, head, dataset="csv")
            handle.seek(0)
            stream = read_as_opened(handle, path=path, size=size)
        text = io.TextIOWrapper(LineBound(stream, path=path), "utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            yield reader
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{shown_path(path)}: not a readable CSV text file ({exc}); "
                f"{_western_text(exc, path)}{utf8_advice(head[:4])}"
            ) from exc
        except csv.Error as exc:
            raise DataError(f"{shown_path(path)}: not a readable CSV text file ({exc}) at line "
                            f"{reader.line_num}{_field_limit_hint(exc)}") from exc


# What a line longer than `MAX_LINE_BYTES` is, and what to do, in a CSV (`LineBound`).
CSV_LINE_ADVICE = (
    "wider than any CSV row this loader reads: it is no CSV of one sample per line (JSON or "
    "another format saved as .csv, or a file whose line breaks were lost); convert it to CSV "
    "text, a header line and one sample per line"
)


class LineBound(io.BufferedIOBase):
    """The binary stream ``stream``, read (by chunks, as `io.TextIOWrapper` does) with a
    line longer than `MAX_LINE_BYTES` refused as soon as that much of it is read, in words
    ending with ``advice``. Read line by line, a 1 GB file with no line break (JSON records
    on one line) was read whole and split into millions of fields, minutes, before the
    header refused them. The line being read at a chunk's end is measured (a line within a
    chunk, 8 KB, is far below the limit): a chunk costs a few byte scans, a line nothing."""

    def __init__(self, stream: BinaryIO, *, path: Path, advice: str = CSV_LINE_ADVICE) -> None:
        super().__init__()
        self._stream, self._path, self._advice = stream, path, advice
        self._limit = MAX_LINE_BYTES  # (read here: a test sets a small one)
        self._run = 0  # bytes read since the last line break
        self._breaks = 0  # line breaks read: '\n', '\r' or '\r\n', as csv counts lines
        self._cr = False  # the last byte read was '\r'
        self._start = b""  # the first bytes of the line being read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stream.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Rewind to the start (the Purchase100 loader reads its first line, then the whole
        file), counting lines afresh; no other position, whose line is unknown."""
        if (offset, whence) != (0, io.SEEK_SET):
            raise io.UnsupportedOperation("a line-bound stream is only rewound to its start")
        self._run, self._breaks, self._cr, self._start = 0, 0, False, b""
        return self._stream.seek(0)

    def tell(self) -> int:
        return self._stream.tell()

    def read1(self, size: int = -1) -> bytes:
        data = self._stream.read1(size)
        self._count(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        data = self._stream.read(size)
        self._count(data)
        return data

    def _count(self, data: bytes) -> None:
        """Follow the line breaks of ``data``, the bytes read next; refuse a line too long."""
        if not data:
            return
        last, breaks = data.rfind(b"\n"), data.count(b"\n")
        if b"\r" in data or self._cr:  # (scanned for '\r' only where one is)
            last = max(last, data.rfind(b"\r"))
            breaks += data.count(b"\r") - data.count(b"\r\n") - (self._cr and data[0] == 10)
            self._cr = data[-1] == 13  # a '\r\n' split between two reads is one break
        self._breaks += breaks
        if last < 0:
            self._start = self._start if self._run else data[:40]
            self._run += len(data)
        else:
            self._run, self._start = len(data) - last - 1, data[last + 1 : last + 41]
        if self._run > self._limit:
            self._refuse()

    def _refuse(self) -> None:
        """A `DataError` for the line being read, longer than the limit."""
        start = self._start.decode("utf-8-sig", "replace")
        raise DataError(
            f"{shown_path(self._path)}: line {self._breaks + 1} is longer than {self._limit:,} "
            f"bytes with no line break (it starts {start!r}), {self._advice}"
        )


def _decompressed_text(handle: BinaryIO, *, path: Path, size: int,
                       kind: str) -> tuple[bytes, int]:
    """The first `ARCHIVE_HEAD` bytes and the size of the text the ``kind``-compressed file
    ``handle`` holds (a .csv.gz, as exports and Kaggle give them, a .csv.bz2 or .csv.xz),
    its head refused as a plain file's would be (a .tar.gz names its tar archive). Counting
    stops, refused, past the text whose parse fits the memory budget: a small compressed file
    may decompress to any size."""
    shown = f"{shown_path(path)} (decompressed)"
    heads: list[bytes] = []

    def check_head(head: bytes) -> None:
        heads.append(head)
        refuse_archive(shown, head, expected="a CSV text file")
        refuse_binary(shown, head, dataset="csv")

    budget = memory_budget()
    limit = budget // _CSV_BYTES_PER_BYTE
    text_size = decompressed_size(handle, path=path, size=size, limit=limit,
                                  check_head=check_head)
    if text_size is None:
        raise DataError(
            f"{shown_path(path)}: {kind}-compressed CSV text of more than {gib(limit)} once "
            "decompressed (decompression stopped there), more than this machine can parse in the "
            f"{gib(budget)} of memory it can spare ({_CSV_BYTES_PER_BYTE} bytes per byte of text; "
            "mia_defense.data.guards.MEMORY_FRACTION of the available RAM); use a subset of the "
            "data, or a machine with more memory"
        )
    return heads[0], text_size


def _read_csv(path: Path, *, delimiter: str, label_column: str,
              max_categories: int = MAX_CATEGORIES, drop: frozenset[str] = frozenset(),
              decimal: str = ".") -> Table:
    with _csv_rows(path, delimiter=delimiter, announce=True) as reader:
        return _parse_csv(reader, path=path, label_column=label_column,
                          max_categories=max_categories, drop=drop, decimal=decimal)


def _field_limit_hint(exc: csv.Error) -> str:
    """What a field over csv's size limit means: free text, or a quote never closed."""
    if "field limit" not in str(exc):
        return ""
    return (f"; a field of more than {csv.field_size_limit()} characters: free text, or a "
            "quote opened there and never closed: close it")


def _western_text(exc: UnicodeDecodeError, path: Path) -> str:
    """What the byte UTF-8 refused reads as in Windows-1252 (Latin-1 but for 0x80-0x9f),
    where it is a letter among printable text ('Müller'): the usual export of a Western
    European spreadsheet, which "save it as UTF-8" alone did not say; "" otherwise."""
    data = exc.object
    if not isinstance(data, bytes) or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ""
    begin = max(0, data.rfind(b"\n", 0, exc.start) + 1, exc.start - 30)
    end = data.find(b"\n", exc.start)
    end = min(exc.start + 30, len(data) if end < 0 else end)
    try:
        context = data[begin:end].decode("cp1252").strip()
        letter = data[exc.start : exc.start + 1].decode("cp1252")
    except UnicodeDecodeError:
        return ""
    if not letter.isalpha() or not context.isprintable():
        return ""
    return (f"it looks like Windows-1252 or Latin-1 text (byte 0x{data[exc.start]:02x} is "
            f"{letter!r} there, in {context!r}), not UTF-8; convert it, e.g. iconv -f cp1252 "
            f"-t utf-8 {shell_word(path.name)} > utf8.csv, or ")


def _header(reader: Iterator[list[str]], *, path: Path, label_column: str,
            drop: frozenset[str]) -> tuple[list[str], str, frozenset[str]]:
    """The header line's names (stripped; Excel's sep= line skipped), and the label column
    and dropped columns as the header writes them, once `check_header` passed."""
    header = next((row for row in reader if row), None)
    if header is not None and excel_separator(header, reader, path=path):
        header = next((row for row in reader if row), None)
    if header is None:
        raise DataError(f"{shown_path(path)}: needs a header line and at least one sample row")
    header = [h.strip() for h in header]
    for index, name in enumerate(header):
        refuse_nul(name, path=path, where=f"column {index + 1} of the header")
    drop = frozenset(as_written(drop, header))
    [label_column] = as_written([label_column], header)
    check_header(header, path=path, label_column=label_column, drop=drop)
    return header, label_column, drop


def _parse_csv(reader: Iterator[list[str]], *, path: Path, label_column: str,
               max_categories: int = MAX_CATEGORIES, drop: frozenset[str] = frozenset(),
               decimal: str = ".") -> Table:
    header, label_column, drop = _header(reader, path=path, label_column=label_column,
                                         drop=drop)
    target, width = header.index(label_column), len(header)
    # the label and the columns of dataset.drop_columns are no features: skipped unread
    skipped = [i == target or h in drop for i, h in enumerate(header)]
    names = [h for i, h in enumerate(header) if not skipped[i]]
    convert = float if decimal == "." else comma_number
    kinds = Kinds(names, path=path, max_categories=max_categories, convert=convert)
    numeric = kinds.numeric
    values, lines, labels = array("d"), array("q"), []
    inexact: list[tuple[int, str, int]] = []  # whole numbers beyond 2**53, maybe
    shared: dict[str, str] = {}  # one string per distinct label, not one per row
    line = reader.line_num  # type: ignore[attr-defined]
    # records over several lines whose field holds lines like rows: (first line, last, field)
    swallowed: list[tuple[int, int, int]] = []
    sep = getattr(getattr(reader, "dialect", None), "delimiter", ",")
    try:
        for row in reader:
            first, line = line + 1, reader.line_num  # type: ignore[attr-defined]
            if not row or (len(row) == 1 and not row[0].strip()):  # a blank line, or spaces
                continue
            if row[0].startswith("\ufeff"):  # (a file joined after this one's end)
                refuse_bom_row(row, header, path=path, line=first)
            if len(row) != width:
                refuse_glued_header(row, header, path=path, line=first)
                # (a quote opened on the last line holds its line break: one line read)
                left_open = ((line > first or "\n" in row[-1])
                             and _quote_left_open(row, reader, sep))
                raise DataError(f"{shown_path(path)}: line {first} has {len(row)} fields but "
                                f"the header has {width}"
                                f"{_misfit(row, width, first, line, sep, left_open)}")
            if line > first and (index := _swallowing_field(row, sep)) is not None:
                swallowed.append((first, line, index))
            label = row[target].strip()
            if label == label_column:  # one string test a row; the whole row only then
                refuse_repeated_header(row, header, path=path, line=first)
                refuse_sample_as_header(header, path=path, label_column=label_column,
                                         line=first)
            labels.append(shared.get(label) or _share(shared, label))
            lines.append(first)  # a record over several lines is named by its first
            column = 0
            joined = "".join(row)  # one scan of the row, not one per field
            python_only = "_" in joined or not joined.isascii()
            for index, field in enumerate(row):
                if skipped[index]:
                    continue
                try:
                    number = convert(field)
                except ValueError:
                    values.append(kinds.text(column, field, first))
                except DotInNumber:
                    refuse_dot(field, path=path, where=f"line {first}, column {names[column]!r}")
                else:
                    if python_only and ("_" in field or not field.strip().isascii()):
                        refuse_python_only(field, path=path,
                                           where=f"line {first}, column {names[column]!r}")
                    if not numeric[column]:
                        kinds.number(column, field, number, first)
                    if not -INEXACT < number < INEXACT:
                        inexact.append((column, field, first))
                    values.append(number)
                column += 1
    except csv.Error as exc:
        raise DataError(f"{shown_path(path)}: not a readable CSV text file ({exc}) in the record "
                        f"that starts on line {line + 1}{_field_limit_hint(exc)}") from exc
    if not labels:
        raise DataError(f"{shown_path(path)}: needs a header line and at least one sample row")
    if swallowed:
        _warn_swallowed(swallowed, header, path=path)
    refuse_numbers_as_text(kinds)
    warn_prefixed_integers(kinds)
    warn_units_and_dates(kinds)
    warn_inexact_integers(inexact, names=names, path=path)
    x = np.frombuffer(values, dtype=np.float64).reshape(len(labels), len(names))
    if any(codes is not None for codes in kinds.codes):
        x = x.copy()  # writable, for the codes' renumbering
    categories = [_sorted_codes(x, j, codes) for j, codes in enumerate(kinds.codes)]
    return Table(names, labels, np.frombuffer(lines, dtype=np.int64), x, categories,
                 label=label_column)


def _misfit(row: list[str], width: int, first: int, line: int, delimiter: str,
            left_open: bool) -> str:
    """What to do with a record of another number of fields than the header's ``width``
    (lines ``first`` to ``line``): a quote left open (``left_open``), a trailing delimiter
    (exports that end every line with one: the refusal said no more than the counts), else
    the usual causes; a record over several lines whose quote was closed is said to be one."""
    if left_open and line == first:
        return f" (a quoted field opens on line {first} and runs to the end of the file: " \
               "close its \")"
    if left_open:
        return f" (a quoted field runs from line {first} to line {line}: close its \")"
    if line > first:  # a quoted note of several lines, closed: the counts' usual causes
        return f" (a record to line {line}: a quoted field holds line breaks)" + _misfit(
            row, width, first, first, delimiter, False)
    if nul_alone("".join(row)):
        return f"; it holds {NUL_PADDING}"
    if len(row) == width + 1 and not row[-1].strip():
        return (f": it ends with {delimiter!r}, which leaves an empty last field; remove the "
                "delimiter at the end of the lines (or end the header line with one too, and "
                "skip that column without a name: \"dataset.drop_columns=''\")")
    if len(row) < width:
        return "; a value missing (or a line cut): fix that line"
    return (f"; a value too many, or a {delimiter!r} inside a value that is not in quotes "
            f"(quote it: \"1{delimiter}5\"): fix that line")


def _quote_left_open(row: list[str], reader: Iterator[list[str]], delimiter: str) -> bool:
    """Whether a record over several lines of the wrong field count reads as a quote never
    closed: one of its fields holds lines like rows (`_swallowing_field`), or it runs to the
    end of the file (``reader`` has nothing after it); a quoted note of several lines closed
    mid-file is no open quote, and "close its \"" would send the user to the wrong fix."""
    if _swallowing_field(row, delimiter) is not None:
        return True
    try:
        return next(reader, None) is None
    except csv.Error:
        return False


def _swallowing_field(row: list[str], delimiter: str) -> int | None:
    """The first field of ``row`` (a record over several lines) holding a line that looks
    like a row of the file, as many delimiters as the row has fields less one, or ``None``
    (a note of several lines is read as written)."""
    for index, field in enumerate(row):
        if any(part.count(delimiter) >= len(row) - 1 for part in field.splitlines()[1:]):
            return index
    return None


def _warn_swallowed(swallowed: list[tuple[int, int, int]], header: list[str], *,
                    path: Path) -> None:
    """Say when quoted fields hold lines that look like rows of the file (`_swallowing_field`):
    a stray " at a field's start (2,"y,1) closed by another lines later reads the rows between
    into that field, one sample where the file wrote several, and they were lost without a
    word."""
    first, line, index = swallowed[0]
    where = f"column {header[index]!r}, from line {first} to line {line}"
    log.warning(
        "%s: %s holds lines that look like rows of the file (%d fields each): a stray \" at "
        "a field's start, closed by another, reads every line between into that one field, "
        "and those rows are no samples; if so, remove the stray \" (or write it twice, \"\", "
        "inside a quoted field)", path,
        f"a quoted field ({where})" if len(swallowed) == 1
        else f"{len(swallowed)} quoted fields (the first: {where})", len(header),
    )


def _share(shared: dict[str, str], label: str) -> str:
    """``label``, kept in ``shared`` (while it holds fewer than `_SHARED_LABELS`) so the rows
    with the same label hold one string: a string per row (about 50 bytes) made a CSV of
    short rows ("3,12") need 24 bytes per byte of the file, over the 16 its memory check
    assumes, so a file that passed the check could exhaust the memory."""
    if len(shared) < _SHARED_LABELS:
        shared[label] = label
    return label


def _sorted_codes(x: np.ndarray, column: int, codes: dict[str, int] | None) -> list[str] | None:
    """Renumber a text column's codes in sorted order of its categories (in place); the
    categories. The features then do not depend on the order of the file's rows."""
    if codes is None:
        return None
    names = sorted(codes)
    new = np.empty(len(names), dtype=np.float64)
    new[[codes[n] for n in names]] = np.arange(len(names))
    present = ~np.isnan(x[:, column])
    x[present, column] = new[x[present, column].astype(np.int64)]
    return names


def _settings(*, path: Any, label_column: Any, num_classes: Any, delimiter: Any,
              standardize: Any, max_categories: Any, categories: Any, drop_columns: Any,
              decimal: Any, max_samples: Any, name: str, seed: Any,
              ) -> tuple[Path, str, str, dict[str, tuple[str, ...]], frozenset[str]]:
    """`load_csv`'s settings checked before the file is read (the file must exist, and be
    no folder): the file, the delimiter, the label column, the fixed categories, the
    dropped columns."""
    check_name(name, setting=True)
    check_count(num_classes, key="num_classes")
    check_max_samples(max_samples)
    check_seed(seed)
    check_flag(standardize, key="standardize")
    label_column = check_label_column(label_column)
    file = require_path(path, name=name, expected="a CSV file with a header line")
    if file.is_dir():
        refuse_folder(file, name=name, what="the CSV",
                      suffixes=(".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".tsv"))
    check_num_classes(num_classes, source=str(file), user_classes=True, setting=True)
    if delimiter == "\\t":  # dataset.delimiter='\t' on a command line: Hydra keeps the backslash
        delimiter = "\t"
    if isinstance(delimiter, str) and len(delimiter) == 1 and delimiter in "\r\n\"":
        # (one character, but one the csv module keeps for itself: "must be one character"
        # told the user to do what they had done)
        raise ConfigError(
            f"dataset.delimiter={delimiter!r}: a line break or the quote character \" cannot "
            "separate fields (the CSV reader keeps them for ending lines and quoting fields); "
            "set the character between the fields, e.g. ',' or ';' (for a tab, "
            "dataset.delimiter='\\t')"
        )
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"dataset.delimiter={shown(delimiter)}: must be one character, "
                          "e.g. ',' (for a tab, dataset.delimiter='\\t')")
    as_integer(max_categories, key="dataset.max_categories", low=1)
    fixed = check_fixed_categories(categories) or {}
    drop = check_drop_columns(drop_columns)
    check_column_settings(label_column=label_column, drop=drop, fixed=fixed)
    check_decimal(decimal)
    if decimal == delimiter:
        raise ConfigError(
            f"dataset.decimal={decimal!r} is dataset.delimiter too: a field separator cannot "
            "be the decimal mark; set \"dataset.delimiter=';'\" (the usual separator of files "
            "with decimal commas; quoted so for a shell)"
        )
    return file, delimiter, label_column, fixed, drop


@reports_file_errors
def check_csv_source(*, path: Any, label_column: Any, num_classes: Any = None,
                     delimiter: Any = ",", standardize: Any = True,
                     max_categories: Any = MAX_CATEGORIES, categories: Any = None,
                     drop_columns: Any = None, decimal: Any = ".", max_samples: Any = None,
                     seed: Any = 0, name: str = "csv", **_: Any) -> None:
    """What `load_csv` refuses before its rows are read, and on the header line alone
    (the label column, dataset.drop_columns and dataset.categories' columns named there),
    in its words: the config check runs it, so mia-train refuses these before the run
    directory is made. Reads the file's first line(s), no more."""
    file, delimiter, label_column, fixed, drop = _settings(
        path=path, label_column=label_column, num_classes=num_classes, delimiter=delimiter,
        standardize=standardize, max_categories=max_categories, categories=categories,
        drop_columns=drop_columns, decimal=decimal, max_samples=max_samples, name=name,
        seed=seed)
    with _csv_rows(file, delimiter=delimiter) as reader:
        header, label_column, drop = _header(reader, path=file, label_column=label_column,
                                             drop=drop)
    features = [h for h in header if h != label_column and h not in drop]
    check_fixed_columns(as_written(fixed, [*features, label_column]), features, path=file,
                        label_column=label_column)


@reports_file_errors
def load_csv(
    *,
    path: str | os.PathLike[str] | None,
    label_column: str | int,
    num_classes: int | None = None,
    delimiter: str = ",",
    standardize: bool = True,
    max_categories: int = MAX_CATEGORIES,
    categories: Mapping[str, Sequence[str]] | None = None,
    drop_columns: str | Sequence[str] | None = None,
    decimal: str = ".",
    plan: Mapping[str, Any] | None = None,
    max_samples: int | None = None,
    seed: int = 0,
    name: str = "csv",
) -> Dataset:
    """A CSV file with a header line, feature columns of numbers or text, one label column.

    A column of numbers is one feature. A column of text (categories, e.g. ``Private``,
    ``Self-emp``) becomes one 0/1 feature per category, with scikit-learn's `OneHotEncoder`;
    a value is text when Python cannot read it as a number, and surrounding spaces are
    ignored (`` Male`` is ``Male``); a ``?`` is a category of its own. The encoder and the
    standardisation are fitted on the rows outside the test split of ``plan`` (the run's
    plan settings), so the test set never shapes them; a category seen only in test rows
    encodes as all zeros.

    Integer labels are class indices (with ``num_classes`` unset, labels other than 0..C-1,
    such as 3, 7, 9, are remapped to 0..C-1 with a warning); text labels (e.g. ``<=50K``,
    ``>50K``) become classes 0..C-1 in sorted order. Either mapping is recorded as the
    dataset's ``class_labels`` (results.json's ``class_labels``), and the text columns
    without a fixed list (``categories``) as its ``one_hot_columns`` (their categories come
    from the data, members included: under DP-SGD, ε is then no guarantee). Refused, with
    the column
    named: empty fields (missing values), a column mixing numbers and text, a text column
    with more than ``max_categories`` values, fractional, NaN or complex labels,
    repeated column names, NUL bytes, numbers grouped with ``_`` (``1_000``: a number to
    Python only) and text columns of numbers written for people (``3,5``, ``12%``,
    ``(103)``, ``2.5M``).
    Excel's ``sep=;`` first line is skipped when it names ``delimiter``. A text column of
    hexadecimal, octal or binary numbers (``0x1f``) is encoded as categories, with a warning.

    Args:
        path: the CSV file.
        label_column: the header name of the label column (an integer is its text: a
            pandas frame saved without column names has the header 0,1,2,...).
        num_classes: C for integer labels; ``None`` infers the number of distinct labels.
        delimiter: the field separator (``\\t``, a backslash and a t, is a tab).
        standardize: zero mean, unit variance per numeric column (one-hot features stay 0/1).
        max_categories: the most distinct values a text column may hold.
        categories: a fixed list of categories for some text columns (``{colour: [red,
            green, blue]}``): the column's one-hot features are that list, in its order,
            fitted on no row, so they do not depend on the members (under DP-SGD, ε then
            holds for it); a value of the column outside its list is refused. ``None``:
            every text column's categories come from the data.
        drop_columns: header names of columns that are no features (an id, pandas' row
            index, a free-text note): skipped unread; one name or a list. Every column of a
            repeated name goes, and ``""`` names a column without a name.
        decimal: the decimal mark of the feature columns' numbers: ``"."``, or ``","``
            (3,14; European exports, with ``delimiter`` ';'), where a number written with a
            '.' (1.234,5 or 1.5) is refused, naming the line, as either reading may be wrong.
            Labels are read as written.
        plan: the run's plan settings (``population_size``, ``test_size``,
            ``reference_size``) and its ``seed``, which draws the test split (the packaged
            config passes the plan's sizes and ``${seed}``: with ``dataset.seed`` set
            apart, the split drawn from it was not the run's); ``None`` fits on every row.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed (the subset; the plan's split when ``plan`` has no ``seed``).
        name: the dataset's name in logs and results.
    """
    file, delimiter, label_column, fixed, drop = _settings(
        path=path, label_column=label_column, num_classes=num_classes, delimiter=delimiter,
        standardize=standardize, max_categories=max_categories, categories=categories,
        drop_columns=drop_columns, decimal=decimal, max_samples=max_samples, name=name,
        seed=seed)
    table = _read_csv(file, delimiter=delimiter, label_column=label_column,
                      max_categories=max_categories, drop=drop, decimal=decimal)
    label_column = table.label  # as the header writes it
    fixed = dict(zip(as_written(fixed, [*table.names, label_column]), fixed.values(),
                     strict=True))
    check_categories(table, path=file, max_categories=max_categories)
    table = apply_fixed(table, fixed, path=file, label_column=label_column)
    warn_feature_variants(table, path=file, fixed=fixed)
    y, class_labels = class_indices(table.labels, lines=table.lines, path=file,
                                  column=label_column, num_classes=num_classes)
    check_missing(table, path=file)
    warn_row_numbers(table, path=file)
    values = centred(table) if standardize else table.values
    check_range(values, table, path=file)
    if not standardize:  # standardising centres each column first: no digit is lost
        warn_float32_digits(table, path=file)
        numeric = [j for j, kinds in enumerate(table.categories) if kinds is None]
        found = unscaled(table.values[:, numeric], names=[table.names[j] for j in numeric])
        if found is not None:  # (the npz loader warned of them, this one did not)
            log.warning("%s: the file %s, used as they are (dataset.standardize=false): %s",
                        file, found[1], UNSCALED_ADVICE)
    data = finish_dataset(
        values, y, name=name, source=str(file),
        num_classes=num_classes, max_samples=max_samples, seed=seed, class_labels=class_labels,
        user_classes=True, where=lambda sample: f"line {table.lines[sample]}, column "
        f"{label_column!r}", names=table.names,
    )  # fmt: skip
    x = encode_features(
        data.x, table.categories, fit_rows=rows_outside_test(data, plan, seed=seed),
        standardize=standardize, source=str(file), names=table.names,
        fixed=[name in fixed for name in table.names],
    )
    one_hot = tuple(name for name, kinds in zip(table.names, table.categories, strict=True)
                    if kinds is not None and name not in fixed)
    return dataclasses.replace(data, x=x, one_hot_columns=one_hot)
