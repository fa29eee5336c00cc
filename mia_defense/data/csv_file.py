"""A CSV file with a header line, feature columns of numbers or text, and a label column.

Text (categorical) feature columns, such as the Adult census file's ``workclass``, are
one-hot encoded with scikit-learn's `OneHotEncoder` and numeric columns standardised, both
fitted without the plan's test rows (`mia_defense.data.encoding`). Rows are parsed one at
a time into one float buffer (a text field stores its category's code), so memory stays
proportional to the values, not to Python strings.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import logging
import math
import os
import re
import shlex
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import override_text
from mia_defense.data.checks import (
    ID_ROWS,
    check_count,
    check_flag,
    finish_dataset,
    is_number_text,
    numbers_rows,
    require_path,
    shown_names,
)
from mia_defense.data.dataset import Dataset
from mia_defense.data.encoding import encode_features, rows_outside_test
from mia_defense.data.guards import (
    ARCHIVE_HEAD,
    check_memory,
    open_regular,
    read_as_opened,
    refuse_archive,
    reports_file_errors,
)
from mia_defense.errors import ConfigError, DataError

__all__ = ["MAX_CATEGORIES", "check_decimal", "check_drop_columns", "check_fixed_categories",
           "load_csv"]

log = logging.getLogger(__name__)

# Peak bytes of parsing a CSV, per byte of the file: 8 per value (an empty field takes one
# byte), then 4 more for the float32 copy; the label strings are fewer than the fields.
_CSV_BYTES_PER_BYTE = 16
# A text column with more distinct values is refused by default: an identifier or free text.
MAX_CATEGORIES = 100
# Distinct label texts shared between rows; beyond them (an identifier column) each row keeps
# its own string, as a dict entry per row would cost more than it saves.
_SHARED_LABELS = 100_000
# A text column is refused as soon as it holds more distinct values than this (or than
# max_categories, when raised above it), while the file is parsed: an identifier column
# kept a dict entry per row (~200 bytes, over the 16 per byte of file that
# _CSV_BYTES_PER_BYTE assumes) until the whole file was read.
_EARLY_CATEGORIES = 1_000


@dataclass(frozen=True)
class _Table:
    """A parsed CSV: feature column names, the label texts, each row's line number, the
    values [N, D] (float64; a text field holds its category's code, NaN where a field is
    empty) and each column's categories (sorted; ``None`` for a numeric column)."""

    names: list[str]
    labels: list[str]
    lines: np.ndarray
    values: np.ndarray
    categories: list[list[str] | None]


def _read_csv(path: Path, *, delimiter: str, label_column: str,
              max_categories: int = MAX_CATEGORIES, drop: frozenset[str] = frozenset(),
              decimal: str = ".") -> _Table:
    # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        check_memory(size * _CSV_BYTES_PER_BYTE, source=path, what="parsing the CSV")
        refuse_archive(path, handle.read(ARCHIVE_HEAD), expected="a CSV text file")
        handle.seek(0)
        stream = read_as_opened(handle, path=path, size=size)
        text = io.TextIOWrapper(stream, "utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            return _parse_csv(reader, path=path, label_column=label_column,
                              max_categories=max_categories, drop=drop, decimal=decimal)
        except UnicodeDecodeError as exc:
            handle.seek(0)
            raise DataError(
                f"{path}: not a readable CSV text file ({exc}); {_western_text(exc, path)}"
                f"{_what_it_is(handle.read(4))}"
            ) from exc
        except csv.Error as exc:
            raise DataError(f"{path}: not a readable CSV text file ({exc}) at line "
                            f"{reader.line_num}{_field_limit_hint(exc)}") from exc


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
            f"-t utf-8 {shlex.quote(path.name)} > utf8.csv, or ")


def _what_it_is(head: bytes) -> str:
    """What to do with a file that is not UTF-8 text, from its first bytes."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # before UTF-16's
        return "it is UTF-32 text; save it as UTF-8 (e.g. Excel's 'CSV UTF-8')"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it is UTF-16 text; save it as UTF-8 (e.g. Excel's 'CSV UTF-8')"
    return "save it as UTF-8 text (e.g. Excel's 'CSV UTF-8')"


class _Kinds:
    """What each feature column holds: numbers or text. Remembers the first number and the
    first text of a column (for the message when it mixes them) and a text column's codes."""

    def __init__(self, names: list[str], *, path: Path, max_categories: int) -> None:
        self.names, self.path, self.max_categories = names, path, max_categories
        self.limit = max(max_categories, _EARLY_CATEGORIES)
        self.numeric = [False] * len(names)  # a number seen, no text
        self.first_number: list[tuple[str, int] | None] = [None] * len(names)
        self.first_text: list[tuple[str, int] | None] = [None] * len(names)
        self.codes: list[dict[str, int] | None] = [None] * len(names)
        # the first value in shorthand ((103), 2.5M: `_shorthand_number`) and its line
        self.first_shorthand: list[tuple[str, int] | None] = [None] * len(names)

    def number(self, column: int, field: str, value: float, line: int) -> None:
        """Note a number (NaN is a missing value: no kind)."""
        if math.isnan(value):
            return
        if self.codes[column] is not None:
            self._mixed(column, number=(field.strip(), line))
        self.numeric[column] = True
        self.first_number[column] = (field.strip(), line)

    def text(self, column: int, field: str, line: int) -> float:
        """The code of a text field's category (NaN for an empty field: missing)."""
        value = field.strip()
        if not value:
            return math.nan
        codes = self.codes[column]
        if codes is None:
            if self.numeric[column]:
                self._mixed(column, text=(value, line))
            codes = self.codes[column] = {}
            self.first_text[column] = (value, line)
        code = codes.get(value)
        if code is None:
            _refuse_nul(value, path=self.path, where=f"line {line}, column "
                        f"{self.names[column]!r}")
            code = codes[value] = len(codes)
            if self.first_shorthand[column] is None and _shorthand_number(value):
                self.first_shorthand[column] = (value, line)
            if code >= self.limit:
                self._too_many(column, line)
        return float(code)

    def _too_many(self, column: int, line: int) -> None:
        """Refuse a text column past ``limit`` distinct values (`_EARLY_CATEGORIES`)."""
        _refuse_numbers_as_text(self, columns=[column])
        raise DataError(
            f"{self.path}: column {self.names[column]!r} has more than {self.limit} distinct "
            f"text values by line {line} (e.g. {sorted(self.codes[column] or ())[:3]}), more "
            f"than dataset.max_categories={self.max_categories} one-hot features; an "
            "identifier or free text cannot be encoded usefully: drop the column "
            f"({_drop_override(self.names[column])}), encode it as numbers yourself, or raise "
            "dataset.max_categories"
        )

    def _mixed(self, column: int, *, number: tuple[str, int] | None = None,
               text: tuple[str, int] | None = None) -> None:
        number = number or self.first_number[column]
        text = text or self.first_text[column]
        assert number is not None and text is not None
        coded = _prefixed_integer(text[0])
        raise DataError(
            f"{self.path}: column {self.names[column]!r} mixes numbers ({number[0]!r} on line "
            f"{number[1]}) and text ({text[0]!r} on line {text[1]}); a feature column holds "
            "either numbers or text categories (one-hot encoded): correct those values, or "
            "impute or drop the rows if they mark missing values"
            + (f" ({text[0]!r} is a number in base {coded[1]}: write it in decimal, "
               f"{coded[0]})" if coded else "")
            + (f" ({text[0]!r} is a number in shorthand, a negative in parentheses or an "
               f"amount abbreviated with k, M or B: write it {plain})"
               if (plain := _plain_spelling(text[0])) else "")
        )


# A number in base 16, 8 or 2 as Python writes it (0x1f, 0o17, 0b101): text to float().
_PREFIXED_INTEGER = re.compile(r"[+-]?0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)")
_BASES = {"x": 16, "o": 8, "b": 2}


def _prefixed_integer(value: str) -> tuple[int, int] | None:
    """``value`` as (integer, base) when it is a hexadecimal, octal or binary number
    (``0x1f``: (31, 16)); ``None`` otherwise."""
    if not _PREFIXED_INTEGER.fullmatch(value):
        return None
    try:
        number = int(value, 0)
    except ValueError:  # a misplaced '_' (0x_1f_)
        return None
    return number, _BASES[value.lstrip("+-")[1].lower()]


def _refuse_nul(text: str, *, path: Path, where: str) -> None:
    """A `DataError` for a NUL byte in ``text``: csv reads it as an ordinary character (a
    category ``x\\0y`` of its own), but text files hold none: the file is damaged, binary, or
    UTF-16 without a byte-order mark (a NUL after every ASCII character)."""
    if "\0" in text:
        raise DataError(
            f"{path}: {where} holds a NUL byte (\\0) in {text!r}; a text file has none: it is "
            "damaged, binary, or UTF-16 text: save it as UTF-8 text (e.g. Excel's 'CSV UTF-8') "
            "or remove the NUL bytes"
        )


def _refuse_underscore(field: str, *, path: Path, where: str) -> None:
    """A `DataError` for a number written with ``_`` (``1_000``): Python's float() and int()
    read it as 1000, other tools (pandas, spreadsheets) as text; neither is surely meant."""
    value = field.strip()
    raise DataError(
        f"{path}: {where} holds {value!r}, a number only to Python (digits grouped with '_'); "
        f"other tools read it as text: write it as {value.replace('_', '')}, or as a text "
        "value that is no number"
    )


# A number written for people: a decimal comma (3,5 or 1.234,5), thousands separators
# (1,234,567 or 1,234.5; Swiss 1'234'567; Indian 12,34,567), or a % or currency sign.
_THOUSANDS = r"(\d{1,3}(,\d{3})+|\d{1,3}(['\u2019]\d{3})+|\d{1,2}(,\d{2})+,\d{3})(\.\d+)?"
_DECORATED_NUMBER = re.compile(
    rf"[+-]?(\d+,\d+|\d{{1,3}}(\.\d{{3}})+(,\d+)?|{_THOUSANDS}|[$€£¥]\s?[\d.,]+"
    r"|[\d.,]+\s?[%€$£¥])"
)
_THOUSANDS_NUMBER = re.compile(rf"[+-]?{_THOUSANDS}")


# A number written with a Unicode minus sign (U+2212), an Arabic decimal separator (U+066B)
# or with spaces (also no-break or thin ones) or Arabic thousands separators (U+066C)
# between groups of digits: text to float(), a number to a reader.
_SPACED_GROUPS = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009\u066c](?=\d{3}(\D|$))")


def _typeset_number(value: str) -> bool:
    """Whether ``value`` is a number once its minus sign is '-' and its digit groups close."""
    plain = _SPACED_GROUPS.sub("", value.replace("\u2212", "-").replace("\u066b", "."))
    if plain == value:
        return False
    try:
        float(plain)
    except ValueError:
        return False
    return True


# A number in an accountant's or a reader's shorthand: a negative in parentheses ((103),
# ($1,234.50), (3%)) or an amount abbreviated with k, M or B (1k, 2.5M, $3bn).
_PLAIN_NUMBER = re.compile(r"\d+(\.\d*)?|\.\d+")
_ABBREVIATED = re.compile(r"([+-]?)[$€£¥]?\s?(\d+(?:\.\d*)?|\.\d+)\s?(k|K|M|B|bn)")
_PARENTHESISED = re.compile(r"[$€£¥]?\s?\(\s*(.+?)\s*\)")
_SCALES = {"k": 3, "K": 3, "M": 6, "B": 9, "bn": 9}
_CURRENCY = re.compile(r"^[$€£¥]\s?")


def _shorthand_number(value: str) -> bool:
    """Whether ``value`` is a number in parentheses (an accounting negative: ``(103)``,
    ``($1,234.50)``) or abbreviated with k, M or B (``1k``, ``2.5M``): text to float()."""
    inner = _PARENTHESISED.fullmatch(value)
    if inner is not None:
        value = inner.group(1)
        return bool(_PLAIN_NUMBER.fullmatch(value) or _DECORATED_NUMBER.fullmatch(value)
                    or _ABBREVIATED.fullmatch(value))
    return bool(_ABBREVIATED.fullmatch(value))


def _plain_spelling(value: str) -> str | None:
    """The plain number ``value`` writes in shorthand (``-103`` for ``(103)`` or ``($103)``,
    ``2500000`` for ``2.5M``), or ``None``: no shorthand, or one around a number written
    for people (``(1,234.50)``, ``(3%)``, which the advice on such numbers covers)."""
    inner = _PARENTHESISED.fullmatch(value)
    sign = -1 if inner is not None else 1
    value = _CURRENCY.sub("", inner.group(1)) if inner is not None else value
    abbreviated = _ABBREVIATED.fullmatch(value)
    if abbreviated is not None:
        number = Decimal(abbreviated.group(2)).scaleb(_SCALES[abbreviated.group(3)])
        sign *= -1 if abbreviated.group(1) == "-" else 1
    elif inner is not None and _PLAIN_NUMBER.fullmatch(value):
        number = Decimal(value)
    else:
        return None
    return format((sign * number).normalize(), "f")


def _refuse_numbers_as_text(kinds: _Kinds, columns: list[int] | None = None) -> None:
    """Refuse a text column (of ``columns``; ``None``: all) every value of which is a
    number written for people (3,5 with a decimal comma, 12%, $3.50): one-hot encoded, it
    became one category per distinct number, silently, instead of one numeric feature."""
    for column, codes in enumerate(kinds.codes):
        if columns is not None and column not in columns:
            continue
        if codes and all(_DECORATED_NUMBER.fullmatch(value) for value in codes):
            value, line = kinds.first_text[column]  # type: ignore[misc]
            raise DataError(
                f"{kinds.path}: column {kinds.names[column]!r} holds numbers written as text "
                f"({value!r} on line {line}, a decimal comma or a % or currency sign): they "
                "would be one-hot encoded as categories"
                + ("; \"dataset.decimal=','\" reads decimal commas (with a field separator other "
                   "than ',', e.g. \"dataset.delimiter=';'\")" if _decimal_commas(codes) else "")
                + "; write plain numbers with a decimal point (3.5, 0.12)"
                + (", without thousands separators (1234567, not 1,234,567)"
                   if _THOUSANDS_NUMBER.fullmatch(value) else "")
            )
        if codes and all(_DECORATED_NUMBER.fullmatch(value) or _typeset_number(value)
                         for value in codes):
            value, line = kinds.first_text[column]  # type: ignore[misc]
            raise DataError(
                f"{kinds.path}: column {kinds.names[column]!r} holds numbers written as text "
                f"({value!r} on line {line}, a Unicode minus sign, an Arabic decimal "
                "separator, or spaces between digit groups): they would be one-hot encoded as "
                "categories; write plain numbers (-3, 3.5, 1234)"
            )
        shorthand = kinds.first_shorthand[column]
        if codes and shorthand is not None and all(
                _DECORATED_NUMBER.fullmatch(value) or _typeset_number(value)
                or _shorthand_number(value) for value in codes):
            value, line = shorthand
            plain = _plain_spelling(value)
            raise DataError(
                f"{kinds.path}: column {kinds.names[column]!r} holds numbers written as text "
                f"({value!r} on line {line}, a negative in parentheses or an amount "
                "abbreviated with k, M or B): they would be one-hot encoded as categories; "
                "write plain numbers with a minus sign and all their digits (-103, not (103); "
                "2500000, not 2.5M), without thousands separators or currency signs"
                + (f": {value!r} is {plain}" if plain else "")
                + "; if they are codes, not amounts, write them as text that reads as no number"
            )


def _decimal_commas(values: Iterable[str]) -> bool:
    """Whether ``values`` are numbers with a decimal comma (3,5), one at least no thousands
    group (1,234 alone may be a thousand and more; 0,126, 1234,5 and 3,25 are not)."""
    found = [re.fullmatch(r"[+-]?(\d+),(\d+)", value) for value in values]
    return all(found) and any(  # type: ignore[union-attr]
        len(m.group(2)) != 3 or len(m.group(1)) > 3 or m.group(1).startswith("0")
        for m in found)


def _warn_prefixed_integers(kinds: _Kinds) -> None:
    """Say when a text column holds only hexadecimal, octal or binary numbers (0x1f): each
    distinct value becomes a one-hot category, not one numeric feature, silently; codes
    (flags, colours) may be meant as categories, so it is said, not refused."""
    for column, codes in enumerate(kinds.codes):
        if not codes or not all(_prefixed_integer(value) for value in codes):
            continue
        value, line = kinds.first_text[column]  # type: ignore[misc]
        number, base = _prefixed_integer(value)  # type: ignore[misc]
        log.warning(
            "%s: column %r holds numbers in base %d written as text (%r on line %d): they are "
            "one-hot encoded as %d categories, not read as one numeric feature; if they are "
            "numbers, write them in decimal (%r is %d)", kinds.path, kinds.names[column], base,
            value, line, len(codes), value, number,
        )


# A number with a unit after it (12 kg, 3.5cm, 20 °C, 5 years); the unit is one word.
_WITH_UNIT = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)\s?(°?[^\W\d_]+)")
# A date, with a time or not: 2024-01-31, 2024/01/31, 31.01.2024, 01/31/2024, 31-01-24.
_DATE = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2}))"
                   r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
# Distinct values from which a column of numbers with one unit is said to be amounts: two
# (4WD, 2WD) may well be categories.
_UNIT_VALUES = 3


def _kind_of_text(names: Iterable[str]) -> tuple[str, str] | None:
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


def _warn_units_and_dates(kinds: _Kinds) -> None:
    """Say when a text column holds dates, or numbers with a unit (12 kg): each distinct
    value became a one-hot category of its own (no order, and a value the fitted rows lack
    encodes as all zeros), not a numeric feature, silently (a weight in kg of 400 rows:
    59 features)."""
    for column, codes in enumerate(kinds.codes):
        kind = _kind_of_text(codes or ())
        if kind is None:
            continue
        value, line = kinds.first_text[column]  # type: ignore[misc]
        name = kinds.names[column]
        if kind[0] == "dates":
            log.warning(
                "%s: column %r holds dates (%r on line %d), read as text: they are one-hot "
                "encoded as %d categories, one per distinct date, with no order between them; "
                "write them as numbers in the file (days since a start, or a year and a "
                "month column), or drop the column (%s)", kinds.path, name, value, line,
                len(codes), _drop_override(name),  # type: ignore[arg-type]
            )
        else:
            log.warning(
                "%s: column %r holds numbers with a unit (%r on line %d), read as text: they "
                "are one-hot encoded as %d categories, not one numeric feature; if they are "
                "amounts, write the numbers alone in the file (the unit %r in the column's "
                "name)", kinds.path, name, value, line, len(codes),  # type: ignore[arg-type]
                kind[1],
            )


class _DotInNumber(Exception):
    """A number written with a '.' in a file whose decimal mark is ',' (`_comma_number`)."""


# A number with a '.' in it: a decimal point (1.5, .5, 1.) or thousands groups (1.234,5).
_DOTTED = re.compile(r"[+-]?(\d*\.\d+|\d+\.|\d{1,3}(\.\d{3})+(,\d*)?)([eE][+-]?\d+)?")


def _comma_number(field: str) -> float:
    """``field`` read with ',' as its decimal mark (dataset.decimal=','): 3,14 is 3.14.

    Raises:
        ValueError: no number (text: a category).
        _DotInNumber: a number with a '.', a thousands separator (1.234,5) or the decimal
            point of the other convention (1.5): read either way, one of them is misread.
    """
    if "." in field:
        if _DOTTED.fullmatch(field.strip()):
            raise _DotInNumber(field)
        raise ValueError(field)
    return float(field.replace(",", "."))


def _refuse_dot(field: str, *, path: Path, where: str) -> None:
    """A `DataError` for a number with a '.' where dataset.decimal=',' (`_comma_number`)."""
    value = field.strip()
    grouped = re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?", value) is not None
    plain = value.replace(".", "") if grouped else value.replace(".", ",")
    raise DataError(
        f"{path}: {where} holds {value!r}, a number with a '.', where dataset.decimal=',' "
        "makes ',' the decimal mark: a '.' there is a thousands separator or the decimal "
        f"point of the other convention, and either reading may be wrong; write {plain!r}"
        + (" (no thousands separators)" if grouped else " (a decimal comma)")
        + ", or set \"dataset.decimal='.'\" if the file's decimal mark is '.'"
    )


def _excel_separator(row: list[str], reader: Any, *, path: Path) -> bool:
    """Whether ``row`` is Excel's ``sep=;`` line (the delimiter, before the header): skipped
    when it names dataset.delimiter, refused naming the setting when it names another."""
    delimiter = reader.dialect.delimiter
    text = delimiter.join(row).strip(" ")
    if len(text) != 5 or not text.startswith("sep="):
        return False
    if text[4] != delimiter:
        raise DataError(
            f"{path}: line {reader.line_num} is {text!r}: Excel's note that the fields are "
            f"separated by {text[4]!r}; set {_delimiter_override(text[4])}"
        )
    return True


def _parse_csv(reader: Iterator[list[str]], *, path: Path, label_column: str,
               max_categories: int = MAX_CATEGORIES, drop: frozenset[str] = frozenset(),
               decimal: str = ".") -> _Table:
    header = next((row for row in reader if row), None)
    if header is not None and _excel_separator(header, reader, path=path):
        header = next((row for row in reader if row), None)
    if header is None:
        raise DataError(f"{path}: needs a header line and at least one sample row")
    header = [h.strip() for h in header]
    for index, name in enumerate(header):
        _refuse_nul(name, path=path, where=f"column {index + 1} of the header")
    _check_header(header, path=path, label_column=label_column, drop=drop)
    target, width = header.index(label_column), len(header)
    # the label and the columns of dataset.drop_columns are no features: skipped unread
    skipped = [i == target or h in drop for i, h in enumerate(header)]
    names = [h for i, h in enumerate(header) if not skipped[i]]
    kinds = _Kinds(names, path=path, max_categories=max_categories)
    numeric = kinds.numeric
    convert = float if decimal == "." else _comma_number
    values, lines, labels = array("d"), array("q"), []
    shared: dict[str, str] = {}  # one string per distinct label, not one per row
    line = reader.line_num  # type: ignore[attr-defined]
    try:
        for row in reader:
            first, line = line + 1, reader.line_num  # type: ignore[attr-defined]
            if not row or (len(row) == 1 and not row[0].strip()):  # a blank line, or spaces
                continue
            if len(row) != width:
                spans = (f" (a quoted field runs from line {first} to line {line}: close its \")"
                         if line > first else "")
                raise DataError(
                    f"{path}: line {first} has {len(row)} fields but the header has {width}{spans}"
                )
            label = row[target].strip()
            if label == label_column:  # one string test a row; the whole row only then
                _refuse_repeated_header(row, header, path=path, line=first)
                _refuse_sample_as_header(header, path=path, label_column=label_column,
                                         line=first)
            labels.append(shared.get(label) or _share(shared, label))
            lines.append(line)
            column = 0
            grouped = "_" in "".join(row)  # one scan of the row, not one per field
            for index, field in enumerate(row):
                if skipped[index]:
                    continue
                try:
                    number = convert(field)
                except ValueError:
                    values.append(kinds.text(column, field, line))
                except _DotInNumber:
                    _refuse_dot(field, path=path, where=f"line {line}, column {names[column]!r}")
                else:
                    if grouped and "_" in field:
                        _refuse_underscore(field, path=path,
                                           where=f"line {line}, column {names[column]!r}")
                    if not numeric[column]:
                        kinds.number(column, field, number, line)
                    values.append(number)
                column += 1
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV text file ({exc}) in the record that "
                        f"starts on line {line + 1}{_field_limit_hint(exc)}") from exc
    if not labels:
        raise DataError(f"{path}: needs a header line and at least one sample row")
    _refuse_numbers_as_text(kinds)
    _warn_prefixed_integers(kinds)
    _warn_units_and_dates(kinds)
    x = np.frombuffer(values, dtype=np.float64).reshape(len(labels), len(names))
    if any(codes is not None for codes in kinds.codes):
        x = x.copy()  # writable, for the codes' renumbering
    categories = [_sorted_codes(x, j, codes) for j, codes in enumerate(kinds.codes)]
    return _Table(names, labels, np.frombuffer(lines, dtype=np.int64), x, categories)


def _refuse_repeated_header(row: list[str], header: list[str], *, path: Path,
                            line: int) -> None:
    """A `DataError` for a row that repeats the header line (files joined with ``cat``
    keep each one's header): in a file of text columns only it was read as a sample, its
    label (the label column's name) a class of its own and each column's name a category,
    silently (a file with a column of numbers stopped, that column mixing in text)."""
    if [field.strip() for field in row] == header:
        raise DataError(
            f"{path}: line {line} repeats the header line {shown_names(header, what='columns')}"
            ": files joined together (cat a.csv b.csv) keep the header of each; it would be "
            "read as a sample, with the label column's name as a class: remove the repeated "
            "header lines"
        )


def _refuse_sample_as_header(header: list[str], *, path: Path, label_column: str,
                             line: int) -> None:
    """A `DataError` when line 1, read as the header, is a sample: the label column's name,
    text, is the label of line ``line`` too, and line 1 holds numbers among its names (a
    numeric name such as pandas' '2' may well be a label too). iris.data (no header line)
    with dataset.label_column=Iris-setosa, the name the "no column" message listed, lost
    its first sample without a word."""
    numbers = [name for name in header if is_number_text(name)]
    if numbers and not is_number_text(label_column):  # (pandas' 0..D-1 names: labels 0, 1, 2)
        raise DataError(
            f"{path}: line 1, read as the column names, is a sample: it holds numbers "
            f"({numbers[:3]}), and the name it gives the label column, {label_column!r} "
            f"(dataset.label_column), is the label of line {line} as well; the file has no "
            "header line: add one naming the columns, and set dataset.label_column to the "
            "label column's name in it"
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


def _check_header(header: list[str], *, path: Path, label_column: str,
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
            hint += f" (column names are case-sensitive: did you mean {cased[0]!r}?)"
        elif re.fullmatch(r"-?\d+", label_column) and -len(header) <= int(label_column) \
                < len(header) and not data_line:
            hint += (f" (it takes a column's name, not its position: column {label_column} "
                     f"counting from 0 is {header[int(label_column)]!r})")
        elif not data_line and (close := difflib.get_close_matches(label_column, header, 1, 0.75)):
            hint += f" (did you mean {close[0]!r}?)"  # dataset.label_column=lable
        raise DataError(
            f"{path}: no column {label_column!r} in the header {shown}; set "
            f"dataset.label_column{hint}"
        )
    if data_line:  # dataset.label_column=2 matched a value of the first sample
        raise DataError(
            f"{path}: line 1 ({shown}) holds numbers only, not column names: "
            f"the file has no header line, and its first sample would be read as one (column "
            f"{label_column!r} is a value of it); add a header line naming the columns"
        )
    _check_dropped(header, path=path, label_column=label_column, drop=drop)
    if "" in header and "" not in drop:
        raise DataError(
            f"{path}: column {header.index('') + 1} of the header has no name (pandas writes "
            "its row index so, unless to_csv(index=False); a trailing delimiter leaves one "
            f"too): a row number is not a feature ({_drop_override('')} skips it); drop the "
            "column or give it a name"
        )
    repeated = [name for name, count in Counter(header).items()
                if count > 1 and name not in drop]
    if repeated:
        where = [i + 1 for i, h in enumerate(header) if h == repeated[0]]
        skip = "" if repeated[0] == label_column else (
            f"; {_drop_override(repeated[0])} skips them all, if they are no features")
        raise DataError(
            f"{path}: column name {repeated[0]!r} appears {len(where)} times in the header "
            f"(columns {where}{skip}); give every column a distinct name"
        )
    if len(header) < 2:
        raise DataError(f"{path}: needs at least one feature column besides {label_column!r}")
    if all(h in drop for h in header if h != label_column):
        raise ConfigError(
            f"dataset.drop_columns={sorted(drop)!r} drops every feature column of {path}: "
            f"keep at least one besides the label column {label_column!r}"
        )


def _check_dropped(header: list[str], *, path: Path, label_column: str,
                   drop: frozenset[str]) -> None:
    """Refuse a name of ``dataset.drop_columns`` that is the label column or no column of
    the header (a typo would leave the column a feature without a word)."""
    if label_column in drop:
        raise ConfigError(
            f"dataset.drop_columns: {label_column!r} is the label column (dataset.label_column)"
            "; list feature columns only"
        )
    for name in sorted(drop):
        if name not in header:
            close = difflib.get_close_matches(name, header, n=1)
            raise ConfigError(
                f"dataset.drop_columns: {path} has no column {name!r} (its columns: "
                f"{shown_names(header, what='columns')})"
                + (f"; did you mean {close[0]!r}?" if close else "")
            )


def _warn_row_numbers(table: _Table, *, path: Path) -> None:
    """Say when a numeric feature column numbers the rows (`numbers_rows`): an index or id
    saved with the data, which a model can learn the file's order from."""
    n = len(table.labels)
    if n < 3:
        return
    # n distinct whole numbers (or text values) span n - 1 at least: the other columns (0/1
    # features of a wide file) are passed over at once (100,000 columns: 2.5 s one by one)
    with np.errstate(invalid="ignore"):
        spans = table.values.max(axis=0) - table.values.min(axis=0)  # (no NaN: refused)
    for j in np.flatnonzero(np.isfinite(spans) & (spans >= n - 1)):
        name, column = table.names[j], table.values[:, j]
        if table.categories[j] is None and numbers_rows(column):
            log.warning(
                "%s: column %r counts the rows (%g to %g): a row number or id, not a feature; "
                "a model can learn the file's order from it (%s skips it): drop the column",
                path, name, column.min(), column.max(), _drop_override(name),
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


def _warn_identifier(table: _Table, j: int, *, path: Path) -> None:
    """Say when column ``j`` holds an identifier `numbers_rows` does not catch: a text
    value of its own on every row (one-hot: a feature per record), or distinct whole
    numbers that increase down the file (a row index with gaps: pandas' after a filter) or
    under an id's name (customer_no 48213, 91822, ...). A model memorises records by it,
    and the attacks measured that leak, not the data's, without a word (a text id of 90
    rows: RMIA's AUC 0.71 against 0.56 without the column)."""
    name, column, n = table.names[j], table.values[:, j], len(table.labels)
    names = table.categories[j]
    if names is not None:  # (codes; a fixed list, dataset.categories, may hold more names)
        if np.unique(column).size < n or _kind_of_text(names) is not None:  # dates: warned
            return
        log.warning(
            "%s: text column %r holds a different value on every row (%d rows, e.g. %r): an "
            "identifier, not a feature; one-hot encoded, each record gets a feature of its "
            "own, by which a model memorises it, and the attacks measure that leak, not the "
            "data's: drop the column (%s)", path, name, n, names[int(column[0])],
            _drop_override(name),
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
        column.max(), why, _drop_override(name),
    )


def _drop_overrides(names: list[str]) -> str:
    """The command-line setting that drops the columns ``names``, quoted for a shell."""
    if len(names) == 1:
        return _drop_override(names[0])
    return override_text("dataset.drop_columns", names)


def _drop_override(name: str) -> str:
    """The command-line setting that drops column ``name``, quoted for a shell."""
    return override_text("dataset.drop_columns", name)


def _delimiter_override(delimiter: str) -> str:
    """The command-line setting of ``dataset.delimiter``, quoted for a shell; a tab as the
    loader reads it, ``'\\t'`` (a tab pasted into a shell completes names)."""
    if delimiter == "\t":
        return "dataset.delimiter='\\t'"
    return override_text("dataset.delimiter", delimiter)


# Whole numbers up to this magnitude are exact in float32 (24 bits of mantissa); beyond it,
# float32 steps by 2 or more.
_FLOAT32_WHOLE = 2**24


def _warn_float32_digits(table: _Table, *, path: Path) -> None:
    """Say when a numeric column, unstandardised, holds values beyond 2**24 in magnitude
    (timestamps, ids) that the float32 features no longer tell apart: timestamps 1.7e9 +
    7 s steps were 17 distinct values of 300, silently."""
    values = table.values
    peaks = np.maximum(values.max(axis=0), -values.min(axis=0))  # (no NaN: checked)
    for j in np.flatnonzero(peaks > _FLOAT32_WHOLE):
        if table.categories[j] is not None:
            continue
        column = values[:, j]
        held = column.astype(np.float32)
        distinct, kept = np.unique(column).size, np.unique(held).size
        if kept == distinct:  # rounded, but still told apart
            continue
        first = int(np.flatnonzero(held != column)[0])
        log.warning(
            "%s: column %r holds values beyond 2**24 = %d in magnitude, where the float32 "
            "features keep fewer digits (%.17g on line %d is held as %.10g): its %d distinct "
            "values are %d as features; set dataset.standardize=true (each column is centred "
            "first, in float64), or subtract an offset from the column in the file", path,
            table.names[j], _FLOAT32_WHOLE, column[first], table.lines[first], held[first],
            distinct, kept,
        )


def _csv_labels(raw: list[str], *, lines: np.ndarray, path: Path, column: str,
                num_classes: int | None) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Class indices from a label column: integers as they are, text as classes in sorted
    order (returned as the class labels). Missing, fractional, NaN, infinite or complex
    labels, and columns mixing numbers with text, are refused."""
    for value in set(raw):
        if "\0" in value or ("_" in value and _is_number(value)):
            where = f"line {lines[raw.index(value)]}, column {column!r}"
            _refuse_nul(value, path=path, where=where)
            _refuse_underscore(value, path=path, where=where)
    empty = [i for i, v in enumerate(raw) if not v]
    if empty:
        raise DataError(
            f"{path}: {len(empty)} samples have no label in column {column!r} (first on line "
            f"{lines[empty[0]]}); label or drop them"
        )
    if all(_is_int(v) for v in raw):
        try:
            return np.array([int(v) for v in raw], dtype=np.int64), None
        except OverflowError:
            raise DataError(
                f"{path}: column {column!r} holds a label too large for a class index "
                f"({max(raw, key=lambda v: abs(int(v)))})"
            ) from None
    numeric = [_is_number(v) for v in raw]
    if any(numeric):
        return _numeric_labels(raw, numeric, lines=lines, path=path, column=column), None
    classes = sorted(set(raw))
    if len(classes) < 2:
        raise DataError(
            f"{path}: every label in column {column!r} is {classes[0]!r}: a single class; a "
            "classifier and its membership-inference attacks need at least 2 classes"
        )
    if num_classes is not None and len(classes) != num_classes:
        raise DataError(
            f"{path}: column {column!r} has {len(classes)} distinct labels "
            f"{classes[:10]} but dataset.num_classes={num_classes}"
        )
    log.info("%s: text labels %s... become classes 0..%d in sorted order", path, classes[:5],
             len(classes) - 1)
    _warn_near_labels(classes, path=path, column=column)
    # a dict, not np.searchsorted on np.array(raw): that is one fixed-width string per row,
    # as wide as the longest label (one 100 KB label among 1M rows: 400 GB)
    index = {label: i for i, label in enumerate(classes)}
    y = np.fromiter((index[v] for v in raw), dtype=np.int64, count=len(raw))
    _warn_missing_marks(classes, y, lines=lines, path=path, column=column)
    _warn_label_variants(classes, y, lines=lines, path=path, column=column)
    return y, tuple(classes)


# What pandas' read_csv reads as a missing value by default (its text ones), and UCI's '?'.
_MISSING_MARKS = frozenset({"#N/A", "#N/A N/A", "#NA", "<NA>", "N/A", "NA", "NULL", "None",
                            "n/a", "null", "?"})


def _warn_missing_marks(classes: list[str], y: np.ndarray, *, lines: np.ndarray, path: Path,
                        column: str) -> None:
    """Say when a text label is a mark of a missing value ('NA', 'N/A', 'null', '?'): pandas
    and R read those rows as unlabelled, here they became a class of their own, which the
    models learned and the attacks measured, without a word."""
    marks = [i for i, label in enumerate(classes) if label in _MISSING_MARKS]
    if not marks:
        return
    rows = np.flatnonzero(np.isin(y, marks))
    log.warning(
        "%s: %d samples have the label %s in column %r (first on line %d), a common mark of "
        "a missing value: they are a class of their own here; if those labels are unknown, "
        "drop those rows (or label them)", path, len(rows),
        " or ".join(repr(classes[i]) for i in marks), column, lines[rows[0]],
    )


def _warn_near_labels(classes: list[str], *, path: Path, column: str) -> None:
    """Say when two text labels differ only in case or a trailing '.': they become two
    classes (Adult's test file ends its labels with '.': '>50K.' and '>50K' pooled made a
    4-class task of a 2-class one, silently)."""
    seen: dict[str, str] = {}
    for label in classes:
        key = label.casefold().rstrip(".").strip()
        if key in seen and _spelling(seen[key]) == _spelling(label):
            continue  # case or spacing only: `_warn_label_variants` names those
        if key in seen:
            merged = len({name.casefold().rstrip(".").strip() for name in classes})
            log.warning(
                "%s: column %r holds the labels %r and %r, which differ only in case or a "
                "trailing '.', as two classes (the models learn a %d-class task where the file "
                "may mean %d classes, and the attacks are measured on it; UCI's adult.test "
                "ends its labels with '.', adult.data does not); if they are one class, write "
                "them alike", path, column, seen[key], label, len(classes), merged,
            )
            return
        seen[key] = label


def _spelling(text: str) -> str:
    """``text`` without letter case and with runs of spaces as one: two texts with the same
    spelling differ only in case or spacing ('Male', 'male', 'Self  emp', 'self emp')."""
    return " ".join(text.split()).casefold()


def _variants(names: Sequence[str]) -> list[list[str]]:
    """The groups (two or more each) of ``names`` that share a `_spelling`, in order of
    ``names``: computed on a column's distinct values, not its rows."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(_spelling(name), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def _rarest(group: list[str], names: Sequence[str], codes: np.ndarray,
            lines: np.ndarray) -> tuple[str, int, int]:
    """The spelling of ``group`` fewest rows hold (a typo, most likely), their count and
    its first line; ``codes`` are the rows' indices into ``names`` (NaN: missing)."""
    present = codes[~np.isnan(codes)].astype(np.int64)
    counts = np.bincount(present, minlength=len(names))
    rare = min(group, key=lambda name: counts[names.index(name)])
    first = int(np.flatnonzero(codes == names.index(rare))[0])
    return rare, int(counts[names.index(rare)]), int(lines[first])


def _rows(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")


def _shown_variants(groups: list[list[str]]) -> str:
    shown = "; ".join(" / ".join(repr(name) for name in group) for group in groups[:3])
    return shown + (f"; and {len(groups) - 3} more groups" if len(groups) > 3 else "")


def _warn_feature_variants(table: _Table, *, path: Path, fixed: Mapping[str, Any]) -> None:
    """Say, once per text feature column, when its values differ only in letter case or
    spacing ('Male', 'male'): each spelling was a category of its own (a one-hot feature
    apart), silently. Columns with a fixed list (``dataset.categories``) are the user's."""
    for j, (name, names) in enumerate(zip(table.names, table.categories, strict=True)):
        if names is None or name in fixed:
            continue
        groups = _variants(names)
        if not groups:
            continue
        rare, count, line = _rarest(groups[0], names, table.values[:, j], table.lines)
        log.warning(
            "%s: text column %r holds values that differ only in letter case or spacing (%s):"
            " each spelling is a category of its own, a one-hot feature apart (%r: %s, first "
            "on line %d); if they are one value, write them alike in the file", path,
            name, _shown_variants(groups), rare, _rows(count), line,
        )


def _warn_label_variants(classes: list[str], y: np.ndarray, *, lines: np.ndarray,
                         path: Path, column: str) -> None:
    """Say when text labels differ only in letter case or spacing ('yes', 'Yes'): each
    spelling is a class of its own, so the task the models learn and the attacks measure
    is not the file's (one class split in two, the models trained to tell its halves
    apart), which a feature's extra category is not; hence its own, louder warning."""
    groups = _variants(classes)
    if not groups:
        return
    rare, count, line = _rarest(groups[0], classes, y.astype(np.float64), lines)
    merged = len(classes) - sum(len(group) - 1 for group in groups)
    log.warning(
        "%s: the label column %r holds labels that differ only in letter case or spacing "
        "(%s): each spelling is a class of its own, so the models learn a %d-class task "
        "where the file may mean %d classes, and the attacks are measured on it (%r: %s, "
        "first on line %d); if they are one class, write them alike in the file and "
        "rerun, as these results are of another task", path, column, _shown_variants(groups),
        len(classes), merged, rare, _rows(count), line,
    )


def _numeric_labels(raw: list[str], numeric: list[bool], *, lines: np.ndarray, path: Path,
                    column: str) -> np.ndarray:
    """Labels written as numbers but not all as integers: integral ones (2.0) are kept."""
    if not all(numeric):
        first_number, first_text = numeric.index(True), numeric.index(False)
        raise DataError(
            f"{path}: column {column!r} mixes numbers ({raw[first_number]!r} on line "
            f"{lines[first_number]}) and text ({raw[first_text]!r} on line "
            f"{lines[first_text]}); use one kind of label"
        )
    exact = {value: _integral(value) for value in set(raw)}
    for i, value in enumerate(raw):
        if exact[value] is None:
            raise DataError(
                f"{path}: column {column!r} must hold integer class indices or text labels, "
                f"found {value!r} on line {lines[i]}"
            )
    return np.array([exact[v] for v in raw], dtype=np.int64)


def _integral(text: str) -> int | None:
    """The integer a label such as ``2.0`` or ``1e2`` writes, read exactly (as a decimal, not
    a float: 1.0000000000000001 is no integer, though float() reads it as 1.0); ``None`` for
    a fraction, NaN, infinity, complex number, or one beyond int64."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() \
            or number.adjusted() > 18 or abs(number) >= 2**63:  # int() of 1e999999999: slow
        return None
    return int(number)


def _is_number(text: str) -> bool:
    """True for anything Python reads as a real or complex number (``1.5``, ``nan``, ``2j``)."""
    try:
        complex(text.replace(" ", ""))
    except ValueError:
        return False
    return True


def _check_categories(table: _Table, *, path: Path, max_categories: int) -> None:
    """Refuse a text column with more than ``max_categories`` distinct values."""
    for name, names in zip(table.names, table.categories, strict=True):
        if names is not None and len(names) > max_categories:
            raise DataError(
                f"{path}: column {name!r} has {len(names)} distinct text values (e.g. "
                f"{names[:3]}), more than dataset.max_categories={max_categories} one-hot "
                "features; an identifier or free text cannot be encoded usefully: drop the "
                f"column ({_drop_override(name)}), encode it as numbers yourself, or raise "
                "dataset.max_categories"
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
            f"dataset.categories={categories!r}: must be a mapping of text columns to the "
            f"list of their categories ({_CATEGORIES_EXAMPLE}), or null"
        )
    fixed = {}
    for column, values in categories.items():
        key = f"dataset.categories.{column}"
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise ConfigError(f"{key}={values!r}: must be a list of the column's categories "
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
                f"{key}={list(values)!r}: {odd[0]!r} is no text category; a text column's "
                "categories are text (an empty field is a missing value, and a field that "
                "reads as a number makes the column one of numbers): list text values only"
            )
        twice = sorted({v for v in names if names.count(v) > 1})
        if twice:
            raise ConfigError(f"{key}={list(values)!r}: lists {twice[0]!r} more than once "
                              "(surrounding spaces ignored); give each category once")
        fixed[str(column)] = tuple(names)
    return fixed


def _apply_fixed(table: _Table, fixed: Mapping[str, Sequence[str]], *, path: Path,
                 label_column: str) -> _Table:
    """The table with each column of ``fixed`` coded by its position in its fixed list
    (and that list as its categories), so the one-hot features are the list, in its order.

    Raises:
        ConfigError: a column of ``fixed`` that is the label column, not in the file, or
            not a text column there.
        DataError: a value of such a column outside its list (never dropped silently).
    """
    categories, values = list(table.categories), table.values
    for column, names in fixed.items():
        key = f"dataset.categories.{column}"
        if column == label_column:
            raise ConfigError(f"{key}: {column!r} is the label column (dataset.label_column); "
                              "dataset.categories lists the categories of text feature columns")
        if column not in table.names:
            close = difflib.get_close_matches(column, table.names, n=1)
            raise ConfigError(
                f"{key}: {path} has no feature column {column!r} (its feature columns: "
                f"{shown_names(table.names, what='columns')})"
                + (f"; did you mean {close[0]!r}?" if close else "")
            )
        j = table.names.index(column)
        found = categories[j]
        if found is None:
            if np.isnan(values[:, j]).all():
                continue  # every field empty: refused as missing values (`_check_missing`)
            raise ConfigError(
                f"{key}: column {column!r} of {path} holds numbers, not text: it is one "
                "numeric feature, not one-hot encoded; leave it out of dataset.categories"
            )
        position = {name: i for i, name in enumerate(names)}
        outside = [name for name in found if name not in position]
        if outside:
            codes = values[:, j]
            first = np.flatnonzero(np.isin(codes, [found.index(n) for n in outside]))[0]
            raise DataError(
                f"{path}: column {column!r} holds {len(outside)} value(s) outside its fixed "
                f"list {key} (e.g. {outside[:3]}, first on line {table.lines[first]}); a "
                "value outside the list would have no feature: add those values to the "
                "list, or map them to listed categories in the file beforehand"
            )
        if not values.flags.writeable:
            values = values.copy()
        present = ~np.isnan(values[:, j])
        new = np.array([position[name] for name in found], dtype=np.float64)
        values[present, j] = new[values[present, j].astype(np.int64)]
        categories[j] = list(names)
    return dataclasses.replace(table, values=values, categories=categories)


# Values of numeric columns centred together (`_centred`): a median a column took 30 s for a
# CSV of 1,000,000 columns (the temporary block: 8 MB).
_CENTRED_VALUES = 1 << 20


def _centred(table: _Table) -> np.ndarray:
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


def _check_missing(table: _Table, *, path: Path) -> None:
    missing = np.isnan(table.values)
    if missing.any():
        empty = np.flatnonzero(missing.all(axis=0)) if len(missing) > 1 else ()
        if len(empty):  # "impute or drop them" read as: drop every row
            names = [table.names[j] for j in empty]
            raise DataError(
                f"{path}: column {names[0]!r} is empty on every row ({len(missing)} rows)"
                + (f", and so {'is' if len(names) == 2 else 'are'} {len(names) - 1} more "
                   f"({names[1:4]})" if len(names) > 1 else "")
                + f": nothing to learn from; drop {'it' if len(names) == 1 else 'them'} ("
                + _drop_overrides(names) + f") or fill {'it' if len(names) == 1 else 'them'} in"
            )
        row, col = np.argwhere(missing)[0]
        raise DataError(
            f"{path}: {int(missing.sum())} missing or NaN values (first in column "
            f"{table.names[col]!r}, line {table.lines[row]}); impute or drop them first"
        )


def _check_range(values: np.ndarray, table: _Table, *, path: Path) -> None:
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
            f"{path}: features contain NaN or inf in {int(beyond.any(axis=1).sum())} samples "
            f"(first at sample {row}); line {table.lines[row]}, column {table.names[col]!r} "
            f"holds {held}: clean or impute them first (values beyond float32's range count "
            "as inf)"
        )


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
    check_count(num_classes, key="num_classes")
    check_count(max_samples, key="max_samples")
    check_flag(standardize, key="standardize")
    if isinstance(label_column, (int, np.integer)) and not isinstance(label_column, bool):
        label_column = str(label_column)  # dataset.label_column=57: Hydra reads an integer
    if not isinstance(label_column, str):  # from Python: an AttributeError deep in the header
        raise ConfigError(f"dataset.label_column={label_column!r}: must be the header name of "
                          "the label column (text, or an integer for a header of numbers)")
    file = require_path(path, name=name, expected="a CSV file with a header line")
    if file.is_dir():
        raise DataError(f"dataset {name!r}: {file} is a folder; point dataset.path at the CSV")
    if delimiter == "\\t":  # dataset.delimiter='\t' on a command line: Hydra keeps the backslash
        delimiter = "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ConfigError(f"dataset.delimiter={delimiter!r}: must be one character, e.g. ',' "
                          "(for a tab, dataset.delimiter='\\t')")
    if isinstance(max_categories, bool) or not isinstance(max_categories, int) \
            or max_categories < 1:
        raise ConfigError(f"dataset.max_categories={max_categories!r}: must be an integer >= 1")
    fixed = check_fixed_categories(categories) or {}
    drop = check_drop_columns(drop_columns)
    both = sorted(set(fixed) & drop)
    if both:  # (else: 'no feature column', which the header's listing seemed to contradict)
        raise ConfigError(f"dataset.categories.{both[0]}: column {both[0]!r} is dropped "
                          "(dataset.drop_columns): keep it, or leave it out of "
                          "dataset.categories")
    check_decimal(decimal)
    if decimal == delimiter:
        raise ConfigError(
            f"dataset.decimal={decimal!r} is dataset.delimiter too: a field separator cannot "
            "be the decimal mark; set \"dataset.delimiter=';'\" (the usual separator of files "
            "with decimal commas; quoted so for a shell)"
        )
    table = _read_csv(file, delimiter=delimiter, label_column=label_column,
                      max_categories=max_categories, drop=drop, decimal=decimal)
    _check_categories(table, path=file, max_categories=max_categories)
    table = _apply_fixed(table, fixed, path=file, label_column=label_column)
    _warn_feature_variants(table, path=file, fixed=fixed)
    y, class_labels = _csv_labels(table.labels, lines=table.lines, path=file,
                                  column=label_column, num_classes=num_classes)
    _check_missing(table, path=file)
    _warn_row_numbers(table, path=file)
    values = _centred(table) if standardize else table.values
    _check_range(values, table, path=file)
    if not standardize:  # standardising centres each column first: no digit is lost
        _warn_float32_digits(table, path=file)
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


def check_decimal(decimal: Any) -> None:
    """Refuse a ``dataset.decimal`` other than '.' or ','.

    Raises:
        ConfigError: any other value.
    """
    if decimal not in (".", ","):  # ("1" == 1.0: no number matches a string here)
        raise ConfigError(f"dataset.decimal={decimal!r}: must be '.' or ',' (the decimal mark "
                          "of the file's numbers: 3.14 or 3,14)")


def check_drop_columns(drop_columns: Any) -> frozenset[str]:
    """``dataset.drop_columns`` as a set of header names (an integer is its text, as for
    dataset.label_column; surrounding spaces ignored, as the header's are); `load_csv`
    checks the names against the file.

    Raises:
        ConfigError: neither a name nor a list of names.
    """
    if drop_columns is None:
        return frozenset()
    if isinstance(drop_columns, (str, int)) and not isinstance(drop_columns, bool):
        drop_columns = [drop_columns]
    if not isinstance(drop_columns, Sequence) or any(
            isinstance(name, bool) or not isinstance(name, (str, int)) for name in drop_columns):
        raise ConfigError(
            f"dataset.drop_columns={drop_columns!r}: must be a column name or a list of them, "
            "e.g. dataset.drop_columns='[id,note]' (quoted for the shell), or null"
        )
    return frozenset(str(name).strip() for name in drop_columns)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
