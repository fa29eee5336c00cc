"""What a CSV feature field holds: a number, a text category, or a number written as text.

`Kinds` follows each feature column's kind while the file is parsed. Numbers that Python's
float() does not read but a person does (3,5 with a decimal comma, 1,234,567, 12%, (103),
2.5M, 1 234, 0x1f; dates and amounts with a unit) are refused or warned about, so that they
do not become one-hot categories without a word; dataset.decimal=',' reads decimal commas
(`comma_number`).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from mia_defense.constraints import clipped, shown, shown_path
from mia_defense.data.csv_columns import drop_override, kind_of_text
from mia_defense.errors import ConfigError, DataError

__all__ = ["DotInNumber", "Kinds", "check_decimal", "comma_number", "full_width_number",
           "refuse_dot", "refuse_full_width", "refuse_grouped_labels", "refuse_nul",
           "refuse_numbers_as_text", "refuse_python_only", "warn_inexact_integers",
           "warn_prefixed_integers", "warn_units_and_dates"]

# one logger for all of the CSV loader's modules: the name logging settings give it
log = logging.getLogger("mia_defense.data.csv_file")


# A text column is refused as soon as it holds more distinct values than this (or than
# max_categories, when raised above it), while the file is parsed: an identifier column
# kept a dict entry per row (~200 bytes, over the 16 per byte of file that
# csv_file._CSV_BYTES_PER_BYTE assumes) until the whole file was read.
_EARLY_CATEGORIES = 1_000


class Kinds:
    """What each feature column holds: numbers or text. Remembers the first number and the
    first text of a column (for the message when it mixes them) and a text column's codes.
    ``convert`` reads the file's numbers (float, or `comma_number`)."""

    def __init__(self, names: list[str], *, path: Path, max_categories: int,
                 convert: Callable[[str], float] = float) -> None:
        self.names, self.path, self.max_categories = names, path, max_categories
        self.convert = convert
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
            if self.numeric[column]:  # a NUL byte (1\0) is damage, not text among numbers
                self._refuse_new(column, value, line)
                self._mixed(column, text=(value, line))
            codes = self.codes[column] = {}
            self.first_text[column] = (value, line)
        code = codes.get(value)
        if code is None:
            self._refuse_new(column, value, line)
            code = codes[value] = len(codes)
            if self.first_shorthand[column] is None and _shorthand_number(value):
                self.first_shorthand[column] = (value, line)
            if code >= self.limit:
                self._too_many(column, line)
        return float(code)

    def _refuse_new(self, column: int, value: str, line: int) -> None:
        """`refuse_nul` and `refuse_full_width` for ``value``, new to ``column``, on ``line``
        (checked once a category: every row of a column of Japanese text doubled the parse)."""
        where = f"line {line}, column {self.names[column]!r}"
        refuse_nul(value, path=self.path, where=where)
        if not value.isascii():  # ('１．５': text to float())
            refuse_full_width(value, path=self.path, where=where, convert=self.convert)

    def _too_many(self, column: int, line: int) -> None:
        """Refuse a text column past ``limit`` distinct values (`_EARLY_CATEGORIES`)."""
        refuse_numbers_as_text(self, columns=[column])
        raise DataError(
            f"{shown_path(self.path)}: column {self.names[column]!r} has more than {self.limit} "
            f"distinct text values by line {line} (e.g. {sorted(self.codes[column] or ())[:3]}), "
            f"more than dataset.max_categories={self.max_categories} one-hot features; an "
            "identifier or free text cannot be encoded usefully: drop the column "
            f"({drop_override(self.names[column], self.names)}), encode it as numbers "
            "yourself, or raise dataset.max_categories"
        )

    def _mixed(self, column: int, *, number: tuple[str, int] | None = None,
               text: tuple[str, int] | None = None) -> None:
        number = number or self.first_number[column]
        text = text or self.first_text[column]
        assert number is not None and text is not None
        coded = _prefixed_integer(text[0])
        raise DataError(
            f"{shown_path(self.path)}: column {self.names[column]!r} mixes numbers ({number[0]!r} "
            f"on line {number[1]}) and text ({text[0]!r} on line {text[1]}); a feature column "
            "holds either numbers or text categories (one-hot encoded): correct those values, or "
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


def refuse_nul(text: str, *, path: Path, where: str) -> None:
    """A `DataError` for a NUL byte in ``text``: csv reads it as an ordinary character (a
    category ``x\\0y`` of its own), but text files hold none: the file is damaged, binary, or
    UTF-16 without a byte-order mark (a NUL after every ASCII character)."""
    if "\0" in text:
        raise DataError(
            f"{shown_path(path)}: {where} holds a NUL byte (\\0) in "
            f"{clipped(repr(text), limit=80)}; a text file has none: it is damaged, binary, or "
            "UTF-16 text: save it as UTF-8 text (e.g. Excel's 'CSV UTF-8') or remove the NUL "
            "bytes"
        )


def refuse_python_only(field: str, *, path: Path, where: str, text: bool = True) -> None:
    """A `DataError` for a number only Python's float() and int() read: written with ``_``
    (``1_000``) or with digits other than 0-9 (full-width ``１.５``, Arabic-Indic ``٣``);
    other tools (pandas, spreadsheets) read it as text; neither is surely meant. ``text``:
    the file may hold text values (a CSV's), so one is advised as the other way."""
    value = field.strip()
    digits = value.isascii()
    plain = _ascii_digits(value.replace("_", ""))
    raise DataError(
        f"{shown_path(path)}: {where} holds {value!r}, a number only to Python ("
        + ("digits grouped with '_'" if digits else "digits other than 0-9")
        + f"); other tools read it as text: write it as {plain}{_OR_TEXT if text else ''}"
    )


_OR_TEXT = ", or as a text value that is no number"


def _ascii_digits(value: str) -> str:
    """``value`` with its digits other than 0-9 (full-width '１', Arabic-Indic '٣') as 0-9."""
    if value.isascii():
        return value
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


# The full-width forms of ASCII's printable characters (U+FF01-U+FF5E: '．' for '.', '－'
# for '-', '１' for '1'), as Japanese and Chinese input methods type them, to ASCII.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def full_width_number(field: str, convert: Callable[[str], float] = float) -> str | None:
    """``field`` in ASCII when it is a number written with full-width characters ('１．５',
    '1．5', '－３') that ``convert`` (the file's reading of numbers) reads once they are
    ASCII ('1.5'); ``None`` for other text."""
    value = field.strip()
    plain = _ascii_digits(value.translate(_FULL_WIDTH))
    if plain == value:
        return None
    try:
        convert(plain)
    except (ValueError, DotInNumber):  # (text, or a '．' where ',' is the decimal mark)
        return None
    return plain


def refuse_full_width(field: str, *, path: Path, where: str,
                      convert: Callable[[str], float] = float, text: bool = True) -> None:
    """A `DataError` for a `full_width_number`: text to Python, pandas and spreadsheets, it
    became a text category without a word, where full-width digits alone ('１.５', a number
    to Python) are refused (`refuse_python_only`, as is ``text``). Other text returns."""
    plain = full_width_number(field, convert)
    if plain is None:
        return
    value = field.strip()
    chars = [f"{c!r} for {chr(ord(c) - 0xFEE0)!r}" for c in dict.fromkeys(value)
             if ord(c) in _FULL_WIDTH and not c.isdecimal()]
    if any(c.isdecimal() and not c.isascii() for c in value):
        chars.append("digits other than 0-9")
    raise DataError(
        f"{shown_path(path)}: {where} holds {value!r}, a number written with full-width "
        f"characters ({', '.join(chars)}), which Python and other tools read as text: write "
        f"it as {plain}{_OR_TEXT if text else ''}"
    )


# A number written for people: a decimal comma (3,5 or 1.234,5), thousands separators
# (1,234,567 or 1,234.5; Swiss 1'234'567; Indian 12,34,567), or a % or currency sign.
_THOUSANDS = r"(\d{1,3}(,\d{3})+|\d{1,3}(['\u2019]\d{3})+|\d{1,2}(,\d{2})+,\d{3})(\.\d+)?"
_DECORATED_NUMBER = re.compile(
    rf"[+-]?(\d+,\d+|\d{{1,3}}(\.\d{{3}})+(,\d+)?|{_THOUSANDS}|[$€£¥]\s?[\d.,]+"
    r"|[\d.,]+\s?[%€$£¥])"
)
_THOUSANDS_NUMBER = re.compile(rf"[+-]?{_THOUSANDS}")
_GROUPED_NUMBER = re.compile(rf"[+-]?({_THOUSANDS}|\d+,\d+)")


def refuse_grouped_labels(classes: list[str], raw: list[str], *, lines: Any, path: Path,
                          column: str) -> None:
    """A `DataError` when a distinct text label (``classes``; ``raw``: the column, on
    ``lines``) is a number with a thousands separator or a decimal comma ("1,000", "2,000"):
    as classes they were sorted as text ('10,000' before '2,000'), silently, where such
    feature values are refused (`refuse_numbers_as_text`); beside words ("unknown") too, as
    plain numbers beside words are refused (a column mixing them)."""
    grouped = {label for label in classes if _GROUPED_NUMBER.fullmatch(label)}
    if not grouped:
        return
    value = next(label for label in raw if label in grouped)  # (the first in the file)
    kind = "labels written as numbers with a thousands separator or a decimal comma"
    found = f"{value!r} on line {lines[raw.index(value)]}"
    advice = f"{_plain_integers(value)}, or text labels that read as no number"
    if len(grouped) == len(classes):
        raise DataError(f"{shown_path(path)}: column {column!r} holds {kind} ({found}): they "
                        f"would be text classes, sorted as text; write {advice}")
    word = next(label for label in raw if label not in grouped)
    raise DataError(
        f"{shown_path(path)}: column {column!r} mixes {kind} ({found}) and text labels "
        f"({word!r} on line {lines[raw.index(word)]}): they would all be text classes, the "
        f"numbers sorted as text; use one kind of label: {advice}"
    )


def _plain_integers(value: str) -> str:
    """What to write for the label ``value``, a number with a thousands separator or a
    decimal comma: plain integers, and ``value``'s own where it is one ("1,000": 1000)."""
    plain = _SEPARATORS.sub("", value) if _THOUSANDS_NUMBER.fullmatch(value) else None
    return "plain integers" + (f" ({plain}, not {value})" if plain else "") + " as class indices"


def grouped_hint(raw: list[str], *, lines: Any) -> str:
    """What to write for the first label of ``raw`` (on ``lines``) that is a number with a
    thousands separator or a decimal comma ("1,000"), or "": beside plain integers ("5")
    the column was refused as mixing numbers and text, without a word of what to write."""
    value = next((label for label in raw if _GROUPED_NUMBER.fullmatch(label)), None)
    if value is None:
        return ""
    return (f": {value!r} (line {lines[raw.index(value)]}) is a number written with a "
            "thousands separator or a decimal comma, which reads as text: write "
            f"{_plain_integers(value)}")


_SEPARATORS = re.compile(r"[,'\u2019]")


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


def refuse_numbers_as_text(kinds: Kinds, columns: list[int] | None = None) -> None:
    """Refuse a text column (of ``columns``; ``None``: all) every value of which is a
    number written for people (3,5 with a decimal comma, 12%, $3.50): one-hot encoded, it
    became one category per distinct number, silently, instead of one numeric feature."""
    for column, codes in enumerate(kinds.codes):
        if columns is not None and column not in columns:
            continue
        if codes and all(_DECORATED_NUMBER.fullmatch(value) for value in codes):
            value, line = kinds.first_text[column]  # type: ignore[misc]
            raise DataError(
                f"{shown_path(kinds.path)}: column {kinds.names[column]!r} holds numbers written "
                f"as text ({value!r} on line {line}, a decimal comma or a % or currency sign): "
                "they would be one-hot encoded as categories"
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
                f"{shown_path(kinds.path)}: column {kinds.names[column]!r} holds numbers written "
                f"as text ({value!r} on line {line}, a Unicode minus sign, an Arabic decimal "
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
                f"{shown_path(kinds.path)}: column {kinds.names[column]!r} holds numbers written "
                f"as text ({value!r} on line {line}, a negative in parentheses or an amount "
                "abbreviated with k, M or B): they would be one-hot encoded as categories; write "
                "plain numbers with a minus sign and all their digits (-103, not (103); 2500000, "
                "not 2.5M), without thousands separators or currency signs"
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


def warn_prefixed_integers(kinds: Kinds) -> None:
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


# Whole numbers float64 (53 bits) holds exactly: a field beyond it (`INEXACT` in magnitude)
# is kept, while the file is parsed, for `warn_inexact_integers`.
INEXACT = float(2**53)


def warn_inexact_integers(fields: list[tuple[int, str, int]], *, names: list[str],
                          path: Path) -> None:
    """Say when whole numbers beyond 2**53 (``fields``: column, text, line), ids or counters
    from an offset, were read as the same float64 though written apart: 2**60 + k for 300
    distinct k < 1000 were 5 values, before any centring could keep their digits, and the id
    warnings (distinct on every row) no longer saw them."""
    read: dict[int, dict[float, set[int]]] = {}
    for column, field, _ in fields:
        try:
            whole = int(field)
        except ValueError:  # (1.2e20, nan: not written as whole numbers)
            continue
        read.setdefault(column, {}).setdefault(float(whole), set()).add(whole)
    for column, values in read.items():
        written = sum(len(same) for same in values.values())
        if written == len(values):
            continue
        field, line = next((f, ln) for j, f, ln in fields if j == column)
        log.warning(
            "%s: column %r holds whole numbers beyond 2**53 (%s on line %d), which float64 "
            "reads to 53 bits only: %d distinct values of the column were read as %d; an id "
            "or counter is no feature: drop the column (%s), or subtract an offset from it in "
            "the file", path, names[column], field.strip(), line, written, len(values),
            drop_override(names[column], names),
        )


def warn_units_and_dates(kinds: Kinds) -> None:
    """Say when a text column holds dates, or numbers with a unit (12 kg): each distinct
    value became a one-hot category of its own (no order, and a value the fitted rows lack
    encodes as all zeros), not a numeric feature, silently (a weight in kg of 400 rows:
    59 features)."""
    for column, codes in enumerate(kinds.codes):
        kind = kind_of_text(codes or ())
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
                len(codes), drop_override(name, kinds.names),  # type: ignore[arg-type]
            )
        else:
            log.warning(
                "%s: column %r holds numbers with a unit (%r on line %d), read as text: they "
                "are one-hot encoded as %d categories, not one numeric feature; if they are "
                "amounts, write the numbers alone in the file (the unit %r in the column's "
                "name)", kinds.path, name, value, line, len(codes),  # type: ignore[arg-type]
                kind[1],
            )


class DotInNumber(Exception):
    """A number written with a '.' in a file whose decimal mark is ',' (`comma_number`)."""


# A number with a '.' in it: a decimal point (1.5, .5, 1.) or thousands groups (1.234,5).
_DOTTED = re.compile(r"[+-]?(\d*\.\d+|\d+\.|\d{1,3}(\.\d{3})+(,\d*)?)([eE][+-]?\d+)?")


def comma_number(field: str) -> float:
    """``field`` read with ',' as its decimal mark (dataset.decimal=','): 3,14 is 3.14.

    Raises:
        ValueError: no number (text: a category).
        DotInNumber: a number with a '.', a thousands separator (1.234,5) or the decimal
            point of the other convention (1.5): read either way, one of them is misread.
    """
    if "." in field:
        if _DOTTED.fullmatch(field.strip()):
            raise DotInNumber(field)
        raise ValueError(field)
    return float(field.replace(",", "."))


def refuse_dot(field: str, *, path: Path, where: str) -> None:
    """A `DataError` for a number with a '.' where dataset.decimal=',' (`comma_number`)."""
    value = field.strip()
    grouped = re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?", value) is not None
    plain = value.replace(".", "") if grouped else value.replace(".", ",")
    raise DataError(
        f"{shown_path(path)}: {where} holds {value!r}, a number with a '.', where "
        "dataset.decimal=',' makes ',' the decimal mark: a '.' there is a thousands separator or "
        "the decimal point of the other convention, and either reading may be wrong; write "
        f"{plain!r}"
        + (" (no thousands separators)" if grouped else " (a decimal comma)")
        + ", or set \"dataset.decimal='.'\" if the file's decimal mark is '.'"
    )


def check_decimal(decimal: Any) -> None:
    """Refuse a ``dataset.decimal`` other than '.' or ','.

    Raises:
        ConfigError: any other value.
    """
    if decimal not in (".", ","):  # ("1" == 1.0: no number matches a string here)
        raise ConfigError(f"dataset.decimal={shown(decimal)}: must be '.' or ',' (the decimal "
                          "mark of the file's numbers: 3.14 or 3,14)")
