"""Tabular data from the user's files: Purchase100, Texas100 and NPZ (CSV: `csv_file`).

NPZ files are read member by member with ``allow_pickle=False``: object arrays are refused,
never unpickled, and only the features and labels members are read, each once its header's
shape has been checked against the member's size and the memory budget.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import logging
import os
import re
import warnings
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from mia_defense.constraints import override_text, shown, shown_path
from mia_defense.data.checks import (
    FLOAT32_WHOLE,
    UNSCALED_ADVICE,
    as_written,
    check_count,
    check_flag,
    check_label_base,
    check_max_samples,
    check_num_classes,
    check_seed,
    finish_dataset,
    float32_merged,
    is_number_text,
    numbers_rows,
    require_path,
    shown_names,
    typed_name,
    unscaled,
)
from mia_defense.data.csv_file import LineBound
from mia_defense.data.csv_numbers import refuse_full_width, refuse_python_only
from mia_defense.data.dataset import Dataset, check_name
from mia_defense.data.guards import (
    ARCHIVE_HEAD,
    JOINED_BOM,
    NUL_PADDING,
    check_memory,
    is_regular_file,
    nul_alone,
    open_regular,
    read_as_opened,
    refuse_archive,
    refuse_binary,
    refuse_binary_for,
    reports_file_errors,
    spreadsheet_kind,
    utf8_advice,
)
from mia_defense.data.paths import refuse_folder
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import npz_member_bytes, shared_array_name

__all__ = ["check_npz_source", "check_purchase100_source", "check_texas100_source", "load_npz",
           "load_purchase100", "load_texas100"]

log = logging.getLogger(__name__)


_X_KEYS = ("features", "x", "X", "data")
_Y_KEYS = ("labels", "y", "Y", "targets", "label")


@contextlib.contextmanager
def _npz_arrays(file: Path, *, x_key: str | None, y_key: str | None,
                setting: tuple[str, str]) -> Iterator[tuple[zipfile.ZipFile, int, str, str]]:
    """The .npz ``file`` opened as a zip: the archive, its size, and the members of the
    features and the labels (``None`` keys look for the usual names), refused by name
    when absent; nothing of the arrays is read."""
    with open_regular(file) as handle:
        head = handle.read(ARCHIVE_HEAD)
        handle.seek(0)
        if spreadsheet_kind(head) is not None:  # a zip too: "no array 'x'" was the message
            refuse_archive(file, head, expected="an .npz file")
        if head.startswith(b"\x93NUMPY"):
            raise DataError(
                f"{shown_path(file)}: is a .npy file (a single array), not an .npz; save the "
                "features and labels together with np.savez"
            )
        if not head.startswith(b"PK"):
            start = handle.read(ARCHIVE_HEAD)
            refuse_archive(file, start, expected="an .npz file")
            refuse_binary(file, start, dataset="npz")
            raise DataError(
                f"{shown_path(file)}: not a valid .npz file (no zip signature); save the "
                "arrays with np.savez"
                + _text_hint(start)
            )
        try:
            with zipfile.ZipFile(handle) as archive:
                members = _members(archive, file=file)
                x_name = _pick(archive, members, x_key, _X_KEYS, path=file, what="features",
                               setting=setting[0])
                y_name = _pick(archive, members, y_key, _Y_KEYS, path=file, what="labels",
                               setting=setting[1])
                if x_name == y_name:  # (two spellings of one name: 'x\\x1b' and 'x<ESC>')
                    _refuse_same_array(x_key, y_key, x_name)
                size = os.fstat(handle.fileno()).st_size
                yield archive, size, members[x_name], members[y_name]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
                NotImplementedError, RuntimeError) as exc:
            raise DataError(f"{shown_path(file)}: truncated or corrupt .npz file ({exc})") from exc


def _read_npz(file: Path, *, x_key: str | None, y_key: str | None, setting: tuple[str, str]
              ) -> tuple[np.ndarray, np.ndarray]:
    """The features and labels arrays of the .npz ``file``; ``None`` keys look for the usual
    names. Only those two members are read, each after its header's claim is checked."""
    with _npz_arrays(file, x_key=x_key, y_key=y_key, setting=setting) as (
            archive, size, x_member, y_member):
        claims = {m.removesuffix(".npy"): npz_member_bytes(archive, m, file=file, size=size)
                  for m in (x_member, y_member)}
        check_memory(sum(claims.values()), source=file, what=f"the arrays {sorted(claims)}")
        x = _read_member(archive, x_member, file=file)
        return x, _read_member(archive, y_member, file=file)


def _text_hint(head: bytes) -> str:
    """What to read a text file (a CSV given to dataset=npz) with, from its first bytes."""
    for cut in range(4):  # the bytes read may end inside a character
        try:
            text = head[: len(head) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        if text.strip() and all(c.isprintable() or c in "\r\n\t" for c in text):
            return ("; it is text (a CSV file? read it with dataset=csv "
                    "dataset.label_column=NAME; a Purchase100 text file: dataset=purchase100)")
        return ""
    return ""


def _members(archive: zipfile.ZipFile, *, file: Path) -> dict[str, str]:
    """Each array's name (the member's, less ``.npy``) -> its member; one name must not stand
    for two members (`shared_array_name`): the labels could be the other array."""
    names = archive.namelist()
    clash = shared_array_name(names)
    if clash is not None:
        name, first, second = clash
        raise DataError(
            f"{shown_path(file)}: holds two members for the array {name!r} ({first!r} and "
            f"{second!r}); which one is meant is ambiguous: save the arrays again with np.savez"
        )
    return {member.removesuffix(".npy"): member for member in names}


def _read_member(archive: zipfile.ZipFile, member: str, *, file: Path) -> np.ndarray:
    with archive.open(member) as stream:
        try:
            return np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as exc:
            raise DataError(f"{shown_path(file)}: truncated or corrupt .npz file ({exc})") from exc


def _refuse_same_array(x_key: str | None, y_key: str | None, name: str) -> NoReturn:
    """Refuse dataset.x_key and dataset.y_key naming one array ``name``: as written, or
    spelt two ways (`as_written`: escaped and raw, composed and not; null's usual names),
    which read the features as the labels ("2-D labels (40, 3) must be one-hot")."""
    x_said, y_said = ("null" if key is None else repr(key) for key in (x_key, y_key))
    spelt = "" if x_said == y_said else f" (as {x_said} and {y_said})"  # (café: NFC, NFD)
    raise ConfigError(
        f"dataset.x_key and dataset.y_key both name {name!r}{spelt}: the features and the "
        "labels are different arrays of the .npz; set each to its own"
    )


def _pick(archive: zipfile.ZipFile, members: Mapping[str, str], key: str | None,
          options: Sequence[str], *, path: Path, what: str, setting: str) -> str:
    """The array ``key`` names, or (``None``) the first of ``options`` the file holds; two
    of ``options`` holding different arrays are refused (`_refuse_two_candidates`)."""
    if key is not None:
        [key] = as_written([key], list(members))  # (a name not printable spelt with escapes)
        if key not in members:
            raise DataError(
                f"{shown_path(path)}: no array {key!r} ({what}); it holds "
                f"{shown_names(sorted(members), what='arrays')}; "
                f"set dataset.{setting} to one of them" + _sparse_hint(members)
            )
        return key
    present = [option for option in options if option in members]
    if present:
        _refuse_two_candidates(archive, members, present, path=path, what=what)
        return present[0]
    raise DataError(
        f"{shown_path(path)}: found no {what} array (looked for {list(options)}; it holds "
        f"{shown_names(sorted(members), what='arrays')}); set dataset.{setting}"
        + _sparse_hint(members)
    )


def _refuse_two_candidates(archive: zipfile.ZipFile, members: Mapping[str, str],
                           present: Sequence[str], *, path: Path, what: str) -> None:
    """Refuse an .npz holding two of the names the loader looks for (``present``, in its
    order) with different arrays in them (their bytes' CRC and size, from the zip directory:
    nothing is read): the first was taken without a word ('features' over 'x', 'labels'
    over 'targets'), though the other may be the one meant."""
    first = archive.getinfo(members[present[0]])
    for other in present[1:]:
        info = archive.getinfo(members[other])
        if (info.CRC, info.file_size) != (first.CRC, first.file_size):
            raise DataError(
                f"{shown_path(path)}: holds two arrays that may be the {what}, {present[0]!r} and "
                f"{other!r}, with different values, and only {present[0]!r} would be read; "
                f"save the {what} under one of these names only, or read the file with "
                "dataset=npz, dataset.x_key and dataset.y_key naming the arrays"
            )


# The arrays scipy.sparse.save_npz writes for a CSR/CSC matrix.
_SPARSE_ARRAYS = {"data", "indices", "indptr", "format", "shape"}


def _sparse_hint(members: Mapping[str, str]) -> str:
    """What to do with a scipy.sparse matrix's .npz (none of its arrays is the features or
    the labels: 'data' holds only the non-zero values), or ""."""
    if not _SPARSE_ARRAYS <= set(members):
        return ""
    return ("; it is a scipy.sparse matrix (scipy.sparse.save_npz), not features and labels: "
            "save them with np.savez(path, x=matrix.toarray(), y=labels)")


def _swapped_hint(x: np.ndarray, y: np.ndarray, keys: tuple[str, str]) -> str:
    """What to set when the features array is one value per sample and the labels array
    is wider (the two names swapped), or ""."""
    if not (np.ndim(x) == 1 and np.ndim(y) >= 2 and len(x) == len(y)):
        return ""
    return (f"; the features array {keys[0]!r} {np.shape(x)} looks like the labels and the "
            f"labels array {keys[1]!r} {np.shape(y)} like the features: set "
            f"{override_text('dataset.x_key', typed_name(keys[1]))} and "
            f"{override_text('dataset.y_key', typed_name(keys[0]))}")


@dataclasses.dataclass
class _SkippedLines:
    """The lines of a text file numpy skips (blank, or a comment alone), numbered from 1,
    and the last line holding data: files paired line by line (Texas100's feats and labels)
    are misaligned by a line skipped in one and not in the other. Kept as runs of
    consecutive lines, from ``starts`` up to ``ends`` (excluded): a list of every number
    took 7 GB for a 50 MB file of blank lines, where its memory was checked for 200 MB."""

    starts: array = dataclasses.field(default_factory=lambda: array("q"))
    ends: array = dataclasses.field(default_factory=lambda: array("q"))
    last_data: int = 0

    def add(self, number: int) -> None:
        """Note line ``number``, skipped (after every line noted before it)."""
        if self.ends and self.ends[-1] == number:
            self.ends[-1] = number + 1
        else:
            self.starts.append(number)
            self.ends.append(number + 1)

    def inner(self) -> np.ndarray:
        """The runs [R, 2] (start, end) of skipped lines before the last line of data (those
        at the end pair nothing)."""
        runs = np.stack([np.array(self.starts, dtype=np.int64),
                         np.minimum(np.array(self.ends, dtype=np.int64), self.last_data)], 1)
        return runs[runs[:, 0] < self.last_data]

    def line_of(self, row: int) -> int:
        """The line of the file (from 1) that holds data row ``row`` (from 0)."""
        line = row + 1
        for start, end in zip(self.starts, self.ends, strict=True):  # ascending
            if start > line:
                break
            line += end - start
        return line


def _unpaired(one: np.ndarray, other: np.ndarray) -> tuple[int, int]:
    """The first line in the runs [R, 2] of ``one`` or of ``other`` but not both, and how
    many lines are so: where exactly one file's runs cover a stretch of lines."""
    points = np.concatenate([one[:, 0], one[:, 1], other[:, 0], other[:, 1]])
    steps = np.repeat([1, -1, 1, -1], [len(one), len(one), len(other), len(other)])
    order = np.argsort(points, kind="stable")
    points, covered = points[order], np.cumsum(steps[order])[:-1]
    alone = (covered == 1) & (np.diff(points) > 0)
    return int(points[:-1][alone][0]), int(np.diff(points)[alone].sum())


def _load_text_matrix(path: Path, *, dtype: type = np.float32,
                      skipped: _SkippedLines | None = None) -> np.ndarray:
    """A comma-separated numeric matrix without header, one row per sample; the lines
    skipped noted in ``skipped``."""
    return _load_text(path, dtype=dtype, labelled=False, skipped=skipped)[0]


def _load_labelled_text(path: Path, *, skipped: _SkippedLines | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32) and labels (float64) of a comma-separated file whose first value
    on each line is the label, the lines skipped noted in ``skipped``. The labels are read
    in float64: in float32 with the features, a label 7.00000001 became 7 and 7.4999999999
    was reported as 7.5."""
    x, y = _load_text(path, dtype=np.float32, labelled=True, skipped=skipped)
    assert y is not None
    return x, y


# What a line longer than csv_file.MAX_LINE_BYTES is in a text file of numbers (`LineBound`):
# a dataset_purchase of one line (JSON saved under that name) was read whole before its
# refusal (20 MB: 4.9 s; 1 GB: minutes).
_LINE_ADVICE = (
    "wider than any row this loader reads: it is no file of one sample per line (JSON or "
    "another format, or a file whose line breaks were lost); write one sample per line, "
    "values separated by commas"
)


def _load_text(path: Path, *, dtype: type, labelled: bool, skipped: _SkippedLines | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
    # utf-8-sig: a byte-order mark (saved by Excel or Notepad) is not part of the first value
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        refuse_archive(path, handle.read(ARCHIVE_HEAD), expected="a comma-separated text file")
        handle.seek(0)
        stream = LineBound(read_as_opened(handle, path=path, size=size), path=path,
                           advice=_LINE_ADVICE)
        text = io.TextIOWrapper(stream, encoding="utf-8-sig")
        # Each value takes at least 2 bytes ("0,"); the parser may double its buffer once.
        check_memory(size * np.dtype(dtype).itemsize, source=path, what="parsing the text")
        row_type: np.dtype = np.dtype(dtype)
        if labelled:
            row_type = _labelled_row(path, text, dtype=dtype)
            text.seek(0)
        noted = skipped or _SkippedLines()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # an empty file: reported below
                lines = _noting_skipped(text, noted)
                matrix = np.loadtxt(lines, delimiter=",", dtype=row_type, ndmin=1 if labelled
                                    else 2)
        except UnicodeDecodeError as exc:  # a ValueError: first
            raise _not_text(path, exc) from exc
        except DataError:  # a ValueError too (the file changed size while it was read)
            raise
        except ValueError as exc:
            # numpy's advice names np.loadtxt's usecols, which no setting reaches
            detail = str(exc).replace("; use `usecols` to select a subset and avoid this error",
                                      "")
            _refuse_unicode_number(path, text, detail, noted=noted, labelled=labelled)
            text.seek(0)
            data = (d for d in (line.split("#", 1)[0] for line in text) if d.strip())
            first, second = next(data, ""), next(data, "")
            other = _other_separator(first)
            quoted = not other and _quoted_numbers(first)
            grouped = not other and not quoted and _quoted_comma_number(first)
            words = not (other or quoted or grouped) and _is_header(first)
            header = words and not _is_header(second)  # (text on every line: no header)
            if not (other or quoted or grouped or words):
                text.seek(0)
                _refuse_ragged(path, text)
            raise DataError(
                f"{shown_path(path)}: not a comma-separated numeric file ({detail}); "
                + (_separator_advice(first, other) if other else
                   f"line 1 holds {grouped!r} in quotes, a number written with a thousands "
                   "separator or a decimal comma: write plain numbers, without quotes or "
                   "separators, with a decimal point (1000, 0.5)" if grouped
                   else "the values of line 1 are numbers in quotes "
                   f"({first.split(',', 1)[0].strip()}): write them without quotes"
                   if quoted else "line 1 looks like a header of column names: this file has "
                   "none, remove it" if header else "its lines hold text, not numbers "
                   f"({first.split(',', 1)[0].strip()!r} on line 1): write the values as "
                   "numbers" if words else "expected one sample per line, values separated "
                   "by commas")
                + ("; the lines end with a comma, which leaves an empty last value: remove it"
                   if not header and first.rstrip().endswith(",") else "")
            ) from exc
    if matrix.size == 0:
        raise DataError(f"{shown_path(path)}: contains no samples")
    if labelled:
        return np.ascontiguousarray(matrix["x"]), matrix["label"]
    return matrix, None


# numpy's refusal of a value: its row among the lines of data and its column, from 0 and 1
_UNREAD = re.compile(r"could not convert string .* at row (\d+), column (\d+)\.?$")


def _refuse_unicode_number(path: Path, text: io.TextIOWrapper, detail: str, *,
                           noted: _SkippedLines, labelled: bool) -> None:
    """Refuse the value numpy could not read (``detail``, its message, names its row and
    column) when it is a number only to Python ('１', '٣', '1_000') or one written with
    full-width characters ('１．５'), in the CSV loader's words, naming its line and what to
    write: 'not a comma-separated numeric file (could not convert string '１' to float32 at
    row 4, column 7.)' counted the row from 0 among the lines of data, and said no more."""
    found = _UNREAD.search(detail)
    if found is None:
        return
    line, column = noted.line_of(int(found[1])), int(found[2])
    text.seek(0)
    fields = next(itertools.islice(text, line - 1, None), "").split("#", 1)[0].split(",")
    field = fields[column - 1].strip() if column <= len(fields) else ""
    if field.isascii() and "_" not in field:
        return
    where = f"line {line}, value {column}" + (
        (" (the label)" if column == 1 else f" (feature {column - 1}, after the label)")
        if labelled else "")
    if is_number_text(field):  # (to Python's float(), not to numpy's parser)
        refuse_python_only(field, path=path, where=where, text=False)
    refuse_full_width(field, path=path, where=where, text=False)


def _refuse_ragged(path: Path, text: Iterable[str]) -> None:
    """Refuse the first line of ``text`` holding another number of values than the first
    line of data: a value lost or added in one line of a Purchase100 or Texas100 file was
    'not a comma-separated numeric file (the dtype passed requires 601 columns but 600 were
    found at row 41) ... expected one sample per line, values separated by commas', which
    the file is; likewise a line opening with a byte-order mark (files joined with cat).
    Read only once numpy refused the file."""
    width, start = 0, 0
    for number, line in enumerate(text, 1):
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        count = data.count(",") + 1
        if data.startswith("\ufeff"):  # (the first line's mark is read past: utf-8-sig)
            raise DataError(f"{shown_path(path)}: line {number} starts with a byte-order mark: "
                            f"{JOINED_BOM}; remove the mark")
        if nul_alone(data):
            raise DataError(f"{shown_path(path)}: line {number} holds {NUL_PADDING}")
        if not width:
            width, start = count, number
        elif count != width:
            raise DataError(
                f"{shown_path(path)}: line {number} holds {count} comma-separated values where "
                f"line {start} holds {width}: a value {'missing' if count < width else 'too many'} "
                "(or a line cut or joined); every line holds one sample, all of the same number of "
                "values: fix or remove that line"
            )


def _noting_skipped(text: Iterable[str], skipped: _SkippedLines) -> Iterator[str]:
    """The lines of ``text``, those numpy skips (blank, or a comment alone) noted in
    ``skipped``; a line of spaces or tabs is a blank line, as an empty one is to numpy."""
    for number, line in enumerate(text, 1):
        if line.split("#", 1)[0].strip():
            skipped.last_data = number
            yield line
        else:
            skipped.add(number)
            yield "\n"


def _check_paired(folder: Path, feats: _SkippedLines, labels: _SkippedLines) -> None:
    """Refuse 'feats' and 'labels' whose data lines no longer pair up: a blank (or comment)
    line skipped inside one file and not at the same line of the other paired the features of
    each later patient with the label of another, without a word."""
    ours, theirs = feats.inner(), labels.inner()
    if np.array_equal(ours, theirs):
        return
    first, count = _unpaired(ours, theirs)
    in_feats = bool(((ours[:, 0] <= first) & (first < ours[:, 1])).any())
    name, other = ("feats", "labels") if in_feats else ("labels", "feats")
    raise DataError(
        f"{shown_path(folder / name)}: line {first} is blank (or a comment alone) where line "
        f"{first} of '{other}' is not ({count} line(s) blank in one file only): the two files pair "
        "features and labels line by line, so every later patient would get another's label; "
        "remove the blank lines (or restore the missing rows) so that line i of 'feats' and "
        "of 'labels' describe the same patient"
    )


def _other_separator(line: str) -> str | None:
    """The separator other than a comma (';', a tab or a space) that splits ``line`` into
    numbers only, decimal commas allowed (a European export: ``1;0,5``), or ``None``: such
    a line of Texas100's feats was refused as "a header of column names"."""
    for separator in (";", "\t", " "):
        fields = [field for field in line.strip().split(separator) if field.strip()]
        if len(fields) > 1 and all(is_number_text(f) or _DECIMAL_COMMA.fullmatch(f.strip())
                                   for f in fields):
            return separator
    return None


# A number written with a decimal comma (0,5; -3,25).
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")


def _separator_advice(line: str, separator: str) -> str:
    """What to do with ``line``, whose values ``separator`` separates (`_other_separator`),
    its decimal commas named where it has any."""
    commas = [f.strip() for f in line.split(separator) if _DECIMAL_COMMA.fullmatch(f.strip())]
    if commas:
        return (f"the values of line 1 are separated by {separator!r}, with decimal commas "
                f"({commas[0]!r}): separate them by commas and write decimal points (0.5)")
    return f"the values of line 1 are separated by {separator!r}: separate them by commas"


def _quoted_comma_number(line: str) -> str | None:
    """The first value of ``line`` in quotes that holds a comma and reads as a number
    without it (``"1,000"``: a thousands separator; ``"0,5"``: a decimal comma), or
    ``None``: numpy split it at the comma, and the refusal named neither."""
    for match in re.finditer(r'"([^"]*,[^"]*)"', line):
        if is_number_text(match.group(1).replace(",", "")):
            return match.group(1)
    return None


def _quoted_numbers(line: str) -> bool:
    """Whether every field of ``line`` is a number in quotes (``"97","0",...``, as some
    exports write them): it was refused as a header of column names, to be removed, which
    left the next line refused the same."""
    fields = [field.strip() for field in line.split(",")]
    for field in fields:
        if len(field) < 3 or field[0] != field[-1] or field[0] not in "\"'":
            return False
        try:
            float(field[1:-1])
        except ValueError:
            return False
    return True


def _is_header(line: str) -> bool:
    """Whether ``line`` is column names: no field of it a number."""
    for field in line.split(","):
        try:
            float(field)
        except ValueError:
            continue
        return False
    return bool(line.strip())


def _not_text(path: Path, exc: UnicodeDecodeError) -> DataError:
    """The refusal of a text file that is not UTF-8, saying what it is (UTF-16: Notepad's
    "Unicode", PowerShell's redirection) from its first bytes and how to convert it."""
    with open_regular(path) as handle:
        head = handle.read(4)
    return DataError(f"{shown_path(path)}: not a comma-separated numeric file ({exc}): not UTF-8 "
                     f"or ASCII text; {utf8_advice(head)}; expected one sample per line, values "
                     "separated by commas")


def _labelled_row(path: Path, text: io.TextIOWrapper, *, dtype: type) -> np.dtype:
    """One line of a labelled text file as a structured dtype: the label in float64, the
    features (as many as the first line with data holds) in ``dtype``."""
    try:
        first = next((d for d in (line.split("#", 1)[0].strip() for line in text) if d), "")
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc) from exc
    if not first:
        raise DataError(f"{shown_path(path)}: contains no samples")
    if "," not in first:
        other = next((f" (are the values separated by {d!r}? use commas)" for d in ";\t "
                      if d in first), "")
        raise DataError(f"{shown_path(path)}: need a label column and features, got 1 "
                        f"column{other}")
    return np.dtype([("label", np.float64), ("x", dtype, (first.count(","),))])


def _is_npz(file: Path) -> bool:
    """Whether ``file`` is an .npz: by its name (in any case) or, whatever it is named, by
    its content (a zip of .npy arrays): an .npz named ``data.NPZ`` or ``purchase`` was read
    as text and refused as a zip archive to extract, or as "not an .npz"."""
    if file.suffix.lower() == ".npz":
        return True
    with open_regular(file) as handle:
        if handle.read(4) != b"PK\x03\x04":
            return False
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                return any(name.endswith(".npy") for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError):
            return False


def _find_file(root: Path, names: Sequence[str], *, name: str, expected: str) -> Path:
    if root.is_file():
        return root
    found = [root / candidate for candidate in names if is_regular_file(root / candidate)]
    if not found:
        raise DataError(f"dataset {name!r}: none of {list(names)} found in {shown_path(root)}; "
                        f"expected {expected}")
    _refuse_other_copies(found[0], found[1:])
    return found[0]


# Bytes compared at each end of two copies of a file (`_same_bytes`).
_COMPARED_BYTES = 1 << 20


def _refuse_other_copies(read: Path, others: Iterable[Path]) -> None:
    """Refuse ``others``, copies of the data in ``read``'s folder that the loader would not
    read (Purchase100's text beside its .npz, Texas100's .npz beside 'feats', the archive's
    top 'feats' beside texas/100/'s), where they hold other bytes: one was read without a
    word, and a subset saved earlier beside the original is as likely meant."""
    for other in others:
        if not _same_bytes(read, other):
            raise DataError(
                f"{shown_path(read)} and {shown_path(other)} hold different data, and only one "
                f"is read ({shown_path(read)}); point dataset.path at the one meant (or its "
                "folder), or move the other away"
            )


def _same_bytes(one: Path, other: Path) -> bool:
    """Whether two files hold the same data: one file, or the same size and the same
    `_COMPARED_BYTES` at each end (a copy differs in its size or its ends; Texas100's
    'feats' is 800 MB, read once by the loader)."""
    if one.samefile(other):
        return True
    size = one.stat().st_size
    if other.stat().st_size != size:
        return False
    with open_regular(one) as first, open_regular(other) as second:
        for offset in dict.fromkeys((0, max(0, size - _COMPARED_BYTES))):
            first.seek(offset)
            second.seek(offset)
            if first.read(_COMPARED_BYTES) != second.read(_COMPARED_BYTES):
                return False
    return True


# Purchase100's features per customer (binary purchase records).
PURCHASE_FEATURES = 600
# Rows of features checked for values other than 0 and 1 at a time (the temporary masks).
_BINARY_BLOCK = 4096


def _refuse_non_binary(x: np.ndarray, *, where: Callable[[int, int], str], dataset: str,
                       expected: str) -> None:
    """Refuse features [N, D] holding a finite value other than 0 and 1: Purchase100 and
    Texas100 (Shokri et al.'s release) have 0/1 features, and counts, amounts or scaled
    features (other data under their name) loaded and trained without a word.
    ``where(i, j)`` names sample ``i``'s feature ``j`` in the file. NaN and inf, and dtypes
    that are no real numbers, are left to `finish_dataset`'s checks, which name them."""
    if x.dtype == np.bool_ or not np.issubdtype(x.dtype, np.number) \
            or np.issubdtype(x.dtype, np.complexfloating):
        return
    for start in range(0, len(x), _BINARY_BLOCK):
        block = x[start : start + _BINARY_BLOCK]
        odd = (block != 0) & (block != 1) & np.isfinite(block)
        if odd.any():
            i, j = np.argwhere(odd)[0]
            raise DataError(
                f"{where(start + int(i), int(j))} holds {block[i, j]}, where {dataset}'s "
                f"features are 0/1: this is not {dataset}'s data (counts, amounts or scaled "
                f"features?); point dataset.path at {expected}, or read other tabular data "
                "with dataset=npz or dataset=csv"
            )


def _refuse_misplaced_label(file: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Refuse a Purchase100 text file whose first column, read as the label, holds 0/1 only,
    where the rest says where the label is: 600 columns (the features alone, no label: it
    loaded as 599 features and trained on 2 of the 100 classes with a warning only), or 601
    whose last holds whole numbers beyond 1 (the label last: refused as "not Purchase100's
    data (counts, amounts or scaled features?)")."""
    columns = np.shape(x)[1] + 1 if np.ndim(x) == 2 else 0
    if columns not in (PURCHASE_FEATURES, PURCHASE_FEATURES + 1) or not np.isin(y, (0, 1)).all():
        return
    expected = (f"dataset_purchase has {PURCHASE_FEATURES + 1} columns: the label (1..100), "
                f"then the {PURCHASE_FEATURES} 0/1 features")
    savez = ("or save the features and labels with np.savez('purchase100.npz', features=X, "
             "labels=y) and point dataset.path at that file")
    if columns == PURCHASE_FEATURES:
        raise DataError(
            f"{shown_path(file)}: {PURCHASE_FEATURES} columns per line, the first 0/1 as features "
            f"are, where {expected}: the label column is missing (the features alone?); put each "
            f"customer's label first on its line, {savez}"
        )
    last = x[:, -1]
    if np.isin(last, (0, 1)).all() or not (np.isfinite(last) & (last == np.round(last))).all():
        return
    raise DataError(
        f"{shown_path(file)}: the label is the last of its {columns} columns (whole numbers up to "
        f"{last.max():g} there, 0/1 in the first), where {expected}: move the label to the "
        f"front of each line, {savez}"
    )


_PURCHASE_EXPECTED = (
    "dataset_purchase (text: label 1..100 then 600 comma-separated 0/1 features per line) or "
    "an .npz with 'features' [N, 600] and 'labels' [N]"
)


# What a binary data file given in place of Purchase100's or Texas100's text is told to do
# (`refuse_binary_for`): the original files, or an .npz the loader reads.
_BINARY_ADVICE = {
    "purchase100": dict(
        instead="point dataset.path at dataset_purchase of the original release (the label, "
                "then 600 0/1 features per line), or at an .npz of it",
        savez="save X [N, 600] and y with np.savez('purchase100.npz', features=X, labels=y) "
              "and point dataset.path at that file",
    ),
    "texas100": dict(
        instead="point dataset.path at the texas/100/ folder of dataset_texas.tgz ('feats' "
                "and 'labels', comma-separated text), or at an .npz of it",
        savez="save X [N, D] and y with np.savez('texas100.npz', features=X, labels=y) and "
              "point dataset.path at that file",
    ),
}


def _refuse_binary_file(file: Path, *, dataset: str, expected: str) -> None:
    """Refuse ``file`` when it is a binary data file (Parquet, HDF5, .npy, a pickle, an
    image...) given to ``dataset`` where ``expected`` was: it was read as text and refused
    as not comma-separated numbers, or as a header of one column, saying neither what it
    is nor what to do."""
    with open_regular(file) as handle:
        head = handle.read(ARCHIVE_HEAD)
    refuse_binary_for(file, head, expected=expected, **_BINARY_ADVICE[dataset])


_PURCHASE_TEXT = "Purchase100's comma-separated text file (dataset_purchase)"


def _texas_text(name: str) -> str:
    return f"Texas100's comma-separated text file ({name!r} of texas/100/)"


def _check_texas_texts(folder: Path) -> None:
    for name in ("feats", "labels"):
        _refuse_binary_file(folder / name, dataset="texas100", expected=_texas_text(name))


def _purchase_source(path: Any, *, label_base: Any, max_samples: Any, seed: Any) -> Path:
    """`load_purchase100`'s settings checked and its file found, reading no data."""
    check_label_base(label_base)
    check_max_samples(max_samples)
    check_seed(seed)
    root = require_path(path, name="purchase100", expected=_PURCHASE_EXPECTED)
    return _find_file(root, ("dataset_purchase", "purchase100.npz"), name="purchase100",
                      expected=_PURCHASE_EXPECTED)


@reports_file_errors
def check_purchase100_source(*, path: Any, label_base: Any = None, max_samples: Any = None,
                             seed: Any = 0, **_: Any) -> None:
    """What `load_purchase100` refuses before it reads the data, in its words: the settings,
    the file, and an .npz's arrays (by name, from its zip directory). The config check runs
    it, so mia-train refuses these before the run directory is made."""
    file = _purchase_source(path, label_base=label_base, max_samples=max_samples, seed=seed)
    if _is_npz(file):
        with _npz_arrays(file, x_key=None, y_key=None, setting=("path", "path")):
            pass
    else:
        _refuse_binary_file(file, dataset="purchase100", expected=_PURCHASE_TEXT)


@reports_file_errors
def load_purchase100(
    *,
    path: str | os.PathLike[str] | None,
    label_base: int | None = None,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Purchase100 (Shokri et al. 2017): 197324 customers, 600 binary features, 100 classes.

    Features other than 0 and 1 are refused, naming the first: other data (counts, amounts)
    is read with dataset=npz or dataset=csv.

    Args:
        path: ``dataset_purchase`` (the text file of the original release: the label, then the
            features, comma-separated, one customer per line), its folder, or an ``.npz`` with
            ``features``/``labels`` (or ``x``/``y``; one-hot labels accepted).
        label_base: 0 or 1; ``None`` detects the original 1-based labels (1..100) and says
            so in a warning. A shift is recorded as the dataset's ``class_labels``.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    file = _purchase_source(path, label_base=label_base, max_samples=max_samples, seed=seed)
    npz = _is_npz(file)
    if npz:
        x, y = _read_npz(file, x_key=None, y_key=None, setting=("path", "path"))

        def where(i: int, j: int) -> str:
            return f"{shown_path(file)}: sample {i}, feature {j} (counted from 0)"
    else:
        _refuse_binary_file(file, dataset="purchase100", expected=_PURCHASE_TEXT)
        skipped = _SkippedLines()
        x, y = _load_labelled_text(file, skipped=skipped)

        def where(i: int, j: int) -> str:
            return (f"{shown_path(file)}: line {skipped.line_of(i)}, feature {j + 1} "
                    "(after the label)")
    if np.ndim(x) != 2:  # images, or features of another layout: no Purchase100 file
        raise DataError(
            f"{shown_path(file)}: features of shape {tuple(np.shape(x))}, where Purchase100 has "
            f"one row of {PURCHASE_FEATURES} per customer [N, {PURCHASE_FEATURES}]: it is not a "
            "Purchase100 file; point dataset.path at dataset_purchase (or an .npz of it), or read "
            "other data with dataset=npz"
        )
    if not npz:
        _refuse_misplaced_label(file, x, y)
    _refuse_non_binary(x, where=where, dataset="Purchase100",
                       expected="dataset_purchase (or an .npz of it)")
    line = None if npz else lambda i: f"line {skipped.line_of(i)}"  # (label and features)
    data = finish_dataset(
        x, y, name="purchase100", source=str(file), num_classes=100, label_base=label_base,
        max_samples=max_samples, seed=seed, where=line, line_of=line,
    )
    if data.x.shape[1] != PURCHASE_FEATURES:  # said, not refused: a cut-down copy trains
        log.info("%s: %d features per sample, where Purchase100 has %d: if this is not a "
                    "Purchase100 file, point dataset.path at dataset_purchase, or read other "
                    "tabular data with dataset=csv or dataset=npz (results name it "
                    "purchase100)", file, data.x.shape[1], PURCHASE_FEATURES)
    return data


def _refuse_label_in_feats(folder: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Refuse Texas100's 'feats' whose first or last column repeats 'labels' line by line:
    the label kept among the features, refused as "not Texas100's data (counts, amounts or
    scaled features?)", which did not say which column to remove."""
    if np.ndim(x) != 2 or x.shape[1] < 2 or np.isin(y, (0, 1)).all():
        return
    for column, which in ((0, "first"), (x.shape[1] - 1, "last")):
        if np.array_equal(x[:, column], y):
            raise DataError(
                f"{shown_path(folder / 'feats')}: its {which} column (value {column + 1}) repeats "
                f"'labels' line by line: the label is among the features, where Texas100's "
                f"'feats' holds the 0/1 features alone (the labels are in 'labels'); remove "
                f"that column"
            )


_TEXAS_EXPECTED = (
    "the texas/100/ folder with 'feats' (comma-separated 0/1 features, one patient per line) and "
    "'labels' (one label 1..100 per line), or an .npz with 'features' and 'labels'"
)


def _texas_source(path: Any, *, label_base: Any, max_samples: Any, seed: Any
                  ) -> tuple[Path | None, Path | None]:
    """`load_texas100`'s settings checked and its data found, reading none: the .npz, or
    else the folder holding 'feats' and 'labels'."""
    check_label_base(label_base)
    check_max_samples(max_samples)
    check_seed(seed)
    root = require_path(path, name="texas100", expected=_TEXAS_EXPECTED)
    if root.is_file() and not _is_npz(root):
        _refuse_binary_file(root, dataset="texas100",
                            expected="an .npz, or the texas/100/ folder of Texas100's text")
        raise DataError(f"dataset 'texas100': {shown_path(root)} is not an .npz; expected "
                        f"{_TEXAS_EXPECTED}")
    if root.is_file():
        return root, None
    folders = [f for f in (root, root / "texas" / "100", root / "100")
               if is_regular_file(f / "feats")]
    if is_regular_file(root / "texas100.npz"):
        _refuse_other_copies(root / "texas100.npz", [f / "feats" for f in folders])
        return root / "texas100.npz", None
    if not folders or not is_regular_file(folders[0] / "labels"):
        raise DataError(f"dataset 'texas100': no feats/labels files in {shown_path(root)}; "
                        f"expected {_TEXAS_EXPECTED}")
    for name in ("feats", "labels"):
        _refuse_other_copies(folders[0] / name, [f / name for f in folders[1:]
                                                 if is_regular_file(f / name)])
    return None, folders[0]


@reports_file_errors
def check_texas100_source(*, path: Any, label_base: Any = None, max_samples: Any = None,
                          seed: Any = 0, **_: Any) -> None:
    """`check_purchase100_source` for `load_texas100`: the settings, the .npz's arrays or
    the folder's 'feats' and 'labels' files."""
    file, folder = _texas_source(path, label_base=label_base, max_samples=max_samples,
                                 seed=seed)
    if file is not None:
        with _npz_arrays(file, x_key=None, y_key=None, setting=("path", "path")):
            pass
    else:
        assert folder is not None
        _check_texas_texts(folder)


@reports_file_errors
def load_texas100(
    *,
    path: str | os.PathLike[str] | None,
    label_base: int | None = None,
    max_samples: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Texas100 (Shokri et al. 2017): 67330 hospital stays, 6169 binary features, 100 classes.

    Features other than 0 and 1 are refused, naming the first, as Purchase100's are.

    Args:
        path: the folder with ``feats`` and ``labels`` (as in ``dataset_texas.tgz``: ``texas/100/``;
            the archive's top folder works too), or an ``.npz`` with ``features``/``labels``.
        label_base: 0 or 1; ``None`` detects the original 1-based labels (1..100) and says
            so in a warning. A shift is recorded as the dataset's ``class_labels``.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
    """
    file, folder = _texas_source(path, label_base=label_base, max_samples=max_samples,
                                 seed=seed)
    if file is not None:
        x, y = _read_npz(file, x_key=None, y_key=None, setting=("path", "path"))
        source = file

        def where(i: int, j: int) -> str:
            return f"{shown_path(file)}: sample {i}, feature {j} (counted from 0)"
    else:
        assert folder is not None
        _check_texas_texts(folder)
        feats, labels = _SkippedLines(), _SkippedLines()
        x = _load_text_matrix(folder / "feats", dtype=np.float32, skipped=feats)
        y = _load_text_matrix(folder / "labels", dtype=np.float64, skipped=labels)
        _check_paired(folder, feats, labels)
        if y.shape[1] != 1:
            raise DataError(f"{shown_path(folder / 'labels')}: expected one label per line, got "
                            f"{y.shape[1]}")
        if len(x) != len(y):
            raise DataError(
                f"{shown_path(folder)}: 'feats' has {len(x)} rows but 'labels' has {len(y)}; they "
                "must match"
            )
        y, source = y[:, 0], folder
        _refuse_label_in_feats(folder, x, y)

        def where(i: int, j: int) -> str:
            return f"{shown_path(folder / 'feats')}: line {feats.line_of(i)}, value {j + 1}"
    if np.ndim(x) != 2:  # images, or features of another layout: no Texas100 file
        raise DataError(
            f"{shown_path(source)}: features of shape {tuple(np.shape(x))}, where Texas100 has one "
            "row of 0/1 features per hospital stay [N, D]: it is not a Texas100 file; point "
            "dataset.path at the texas/100/ folder (or an .npz of it), or read other data with "
            "dataset=npz"
        )
    _refuse_non_binary(x, where=where, dataset="Texas100",
                       expected="the texas/100/ folder (or an .npz of it)")
    return finish_dataset(
        x, y, name="texas100", source=str(source), num_classes=100, label_base=label_base,
        max_samples=max_samples, seed=seed,
        where=None if file is not None else lambda i: f"line {labels.line_of(i)} of 'labels'",
        line_of=None if file is not None else lambda i: f"line {feats.line_of(i)} of 'feats'",
    )


def _npz_settings(*, path: Any, x_key: Any, y_key: Any, num_classes: Any, standardize: Any,
                  max_samples: Any, name: str, seed: Any) -> Path:
    """`load_npz`'s settings checked before the file is read; the file (no folder)."""
    check_name(name, setting=True)
    check_count(num_classes, key="num_classes")
    check_max_samples(max_samples)
    check_seed(seed)
    check_flag(standardize, key="standardize")
    # (the Python API passes what it is given: a list was a TypeError, 0 'no array 0')
    for key, value in (("x_key", x_key), ("y_key", y_key)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f"dataset.{key}={shown(value)}: must be a string, the name of an array in the "
                f".npz (np.savez(path, x=..., y=...) names them 'x' and 'y'); null looks for the "
                "usual names"
            )
    if x_key == y_key and x_key is not None:  # (null, null: each looks for its usual names)
        _refuse_same_array(x_key, y_key, x_key)
    file = require_path(path, name=name, expected="an .npz file made with np.savez")
    if file.is_dir():
        refuse_folder(file, name=name, what="the .npz", suffixes=(".npz",))
    check_num_classes(num_classes, source=str(file), user_classes=True, setting=True)
    return file


@reports_file_errors
def check_npz_source(*, path: Any, x_key: Any = "x", y_key: Any = "y", num_classes: Any = None,
                     standardize: Any = False, max_samples: Any = None, name: str = "npz",
                     seed: Any = 0, **_: Any) -> None:
    """What `load_npz` refuses before its arrays are read, in its words: the settings, the
    file, and the arrays dataset.x_key and dataset.y_key name among the archive's (read from
    its zip directory, no array is loaded). The config check runs it, so mia-train refuses
    these before the run directory is made."""
    file = _npz_settings(path=path, x_key=x_key, y_key=y_key, num_classes=num_classes,
                         standardize=standardize, max_samples=max_samples, name=name,
                         seed=seed)
    with _npz_arrays(file, x_key=x_key, y_key=y_key, setting=("x_key", "y_key")):
        pass


@reports_file_errors
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
        num_classes: C; ``None`` infers the number of distinct labels (labels other than
            0..C-1, such as 3, 7, 9, are remapped to 0..C-1 with a warning and recorded as the
            dataset's ``class_labels``).
        standardize: zero mean, unit variance per feature (per channel for [N, C, H, W]).
            Without it, uint8 images ([N, C, H, W] or [N, H, W], values above 1) are pixels
            0..255, scaled to [0, 1] as the mnist and cifar loaders scale theirs; flat uint8
            features above 1 are used as they are, with a warning.
        max_samples: keep a random subset of this size (drawn from ``seed``); ``None`` keeps all.
        seed: the run's seed.
        name: the dataset's name in logs and results.
    """
    file = _npz_settings(path=path, x_key=x_key, y_key=y_key, num_classes=num_classes,
                         standardize=standardize, max_samples=max_samples, name=name,
                         seed=seed)
    x, y = _read_npz(file, x_key=x_key, y_key=y_key, setting=("x_key", "y_key"))
    try:
        data = finish_dataset(
            x, y, name=name, source=str(file), num_classes=num_classes,
            max_samples=max_samples, seed=seed, standardize=standardize, user_classes=True,
        )
    except DataError as exc:
        swapped = _swapped_hint(x, y, (x_key, y_key))
        if swapped:
            raise DataError(f"{exc}{swapped}") from exc
        raise
    # the file's features as written, warned once the data passed every refusal (a warning
    # of unscaled features before 'labels must be integer class indices' spoke of no run)
    _warn_row_numbers(x, file=file, key=x_key)
    pixels = not standardize and _pixel_images(x)
    if not standardize and not pixels:
        _warn_unscaled(x, file=file, key=x_key)
        _warn_float32_digits(x, file=file, key=x_key)
    if not pixels:
        return data
    log.info("%s: uint8 images (0..255) scaled to [0, 1] (pixels / 255), as the mnist and cifar "
             "loaders scale theirs; dataset.standardize=true standardises them per channel",
             file)
    return dataclasses.replace(data, x=data.x / np.float32(255))


def _warn_row_numbers(x: np.ndarray, *, file: Path, key: str) -> None:
    """Say when a column of flat features numbers the rows (`numbers_rows`): a DataFrame's
    index saved with its values (``np.savez(f, x=df.reset_index().to_numpy(), ...)``),
    from which a model learns the file's order and tells its records apart. The CSV loader
    said so; the .npz one trained on it without a word."""
    if x.ndim != 2 or len(x) < 3 or x.dtype.kind not in "iuf":  # (0-d: refused later)
        return
    n = len(x)
    with np.errstate(invalid="ignore", over="ignore"):  # (NaN and inf: refused later)
        spans = x.max(axis=0).astype(np.float64) - x.min(axis=0).astype(np.float64)
    for j in np.flatnonzero(spans == n - 1):  # a count of n rows spans n - 1: one pass
        column = x[:, j].astype(np.float64)
        if numbers_rows(column):
            log.warning(
                "%s: column %d (counting from 0) of array %r counts the rows (%g to %g): a row "
                "number or id (a DataFrame's index saved with its values?), not a feature; a "
                "model can learn the file's order from it and tell its records apart: save "
                "the features without that column", file, j, key, column.min(), column.max(),
            )


def _warn_float32_digits(x: np.ndarray, *, file: Path, key: str) -> None:
    """Say when a column of flat features, unstandardised, holds values beyond 2**24 in
    magnitude that the float32 features no longer tell apart (`float32_merged`): the CSV
    loader said so; int64 timestamps or ids in an .npz became fewer values without a word
    (and distinct records exact copies)."""
    for j, first, distinct, kept in float32_merged(x):
        log.warning(
            "%s: column %d (counting from 0) of array %r holds values beyond 2**24 = %d in "
            "magnitude, where the float32 features keep fewer digits (%.17g at sample %d is "
            "held as %.10g): its %d distinct values are %d as features; set "
            "dataset.standardize=true (each column is centred first, in float64), or subtract "
            "an offset from the column before saving", file, j, key, FLOAT32_WHOLE,
            x[first, j], first, np.float32(x[first, j]), distinct, kept,
        )


def _pixel_images(x: np.ndarray) -> bool:
    """Whether ``x`` holds 8-bit images [N, C, H, W] or [N, H, W] of pixels 0..255 (a value
    above 1: 0/1 images are no pixels to scale). They trained on 0..255 as they were, where
    the mnist and cifar loaders scale the same pixels to [0, 1]."""
    return x.dtype == np.uint8 and x.ndim >= 3 and x.size > 0 and int(x.max()) > 1


# What the npz loader advises for each kind of unscaled features (`checks.unscaled`).
_UNSCALED_ADVICE = {
    "uint8": "if they are pixels 0..255, set dataset.standardize=true, or save them as images "
             "[N, C, H, W] (scaled to [0, 1] as the mnist and cifar loaders scale theirs) or as "
             "float32 divided by 255",
    "whole": "if they are pixels, set dataset.standardize=true, or divide them by their largest "
             "possible value (255 for 8-bit pixels), as the mnist and cifar loaders scale "
             "theirs to [0, 1]",
    "large": UNSCALED_ADVICE,
}


def _warn_unscaled(x: np.ndarray, *, file: Path, key: str) -> None:
    """Say when flat uint8 features (flattened images?) above 1 are used unscaled, images
    of another dtype holding whole numbers above 1 (float32 or uint16 pixels), or flat
    features beyond `checks.UNSCALED`: they trained on 0..255 (or incomes of 50000) as they
    were."""
    found = unscaled(x)
    if found is not None:
        kind, what = found
        log.warning("%s: array %r %s, used as they are (dataset.standardize=false): %s", file,
                    key, what, _UNSCALED_ADVICE[kind])
