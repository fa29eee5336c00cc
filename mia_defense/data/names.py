"""How the data loaders show and read the names of columns and arrays: quoted as a setting
names them (`typed_name`: escapes for what is not printable), read back (`as_written`),
listed in a message (`shown_names`, cut when long), and the likeliest meant of a mistyped
one (`closest_name`). Moved out of `mia_defense.data.checks`, which re-exports them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from mia_defense.constraints import _ansi_c
from mia_defense.errors import closest

__all__ = ["as_written", "closest_name", "shown_name", "shown_names", "typed_name"]

# Names a message lists in full; more are shown by their ends and their count (a
# 20,000-column CSV put all its names, 189 KB, into the one-line error; an .npz of 50,000
# arrays, 489 KB). A name longer than _SHOWN_CHARS is cut (a semicolon-separated header read
# with commas is one name of 59 KB).
_SHOWN_NAMES = 20
_SHOWN_CHARS = 80


def shown_name(name: str, header: Collection[str] = ()) -> str:
    """``name`` (of ``header``) as a setting names it (`typed_name`), quoted: what a user
    types for it (a message's list of names, its "did you mean"). Its repr listed a
    printable 'x\\x41' (a backslash, as written) as 'x\\\\x41', which names no column."""
    if len(name) <= _SHOWN_CHARS:
        return _quoted(typed_name(name, header))
    return f"{_quoted(typed_name(name[: _SHOWN_CHARS - 20], header))}... ({len(name)} characters)"


def _quoted(text: str) -> str:
    """``text`` in quotes as Hydra's parser reads a quoted value: the quote and the
    backslashes before it (or before the closing quote) escaped, other backslashes as they
    are ('x\\x41'); a name holding both quotes, or ending with a backslash, was listed in
    a spelling Hydra read as another or refused."""
    quote = '"' if "'" in text and '"' not in text else "'"
    escaped = re.sub(rf"(\\*)({quote}|\Z)",
                     lambda m: m[1] * 2 + ("\\" + m[2] if m[2] else ""), text)
    return quote + escaped + quote


def as_written(names: Iterable[str], header: Sequence[str]) -> list[str]:
    """``names`` (dataset.drop_columns, dataset.label_column, dataset.categories' columns;
    a column's values, against its fixed list) as ``header`` writes them, in their order:
    a name equal to a header name in Unicode's composed form (NFC) is that name, as typed
    'café' is 'cafe' and a combining accent in a header saved decomposed (NFD, as macOS
    may): it was refused as "has no column 'café' ...; did you mean 'café'?". A name
    holding escapes is the header's name that is not printable which it spells
    (`typed_name`: 'x\\x1b[2Jz' for one holding an ESC)."""
    names, present = list(names), set(header)  # (a set: 25,000 names of 50,000 took 5 s)
    if all(name in present for name in names):
        return names
    written = {unicodedata.normalize("NFC", h): h for h in header}
    return [name if name in present else written.get(unicodedata.normalize("NFC", name))
            or _unescaped(name, present) for name in names]


# The escapes `typed_name` writes (a character that is not printable, a backslash), and
# Python's repr's \n, \r, \t and \' (a refusal shows a column's name by its repr: 'a\nb')
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt'\\])")
_ESCAPED = {"n": "\n", "r": "\r", "t": "\t", "'": "'", "\\": "\\"}


def typed_name(name: str, header: Collection[str] = ()) -> str:
    """A header's column ``name`` as a setting (dataset.drop_columns) names it: as written
    where printable; else each character that is not printable as ``\\xHH``, ``\\uHHHH``
    or ``\\UHHHHHHHH`` and a backslash doubled (bash's, `constraints._ansi_c`; as inside
    its repr), which `as_written` reads back. No command line may carry such a character
    itself (`override_checks.control_character` refuses it: Hydra's sweep would print it
    raw and name a run's folder with it), so the drop suggested for a column named with a
    terminal's escape was refused when run. A spelling that is itself a name of ``header``
    (which `as_written` would take as written) is left for ``\\uHHHH``'s."""
    if name.isprintable():
        return name
    spelt = "".join(_ansi_c(char) if char == "\\" or not char.isprintable() else char
                    for char in name)
    if spelt not in header:
        return spelt
    # (a header holding both 'x<ESC>' and 'x\\x1b' as written: as_written names the
    # latter by 'x\\x1b', so the former is spelt with \\uHHHH, else \\UHHHHHHHH, which
    # it reads back too)
    for mark in "uU":
        other = "".join(
            "\\\\" if char == "\\" else char if char.isprintable()
            else f"\\U{ord(char):08x}" if mark == "U" or ord(char) > 0xFFFF
            else f"\\u{ord(char):04x}" for char in name)  # fmt: skip
        if other not in header:
            return other
    return spelt


def _unescaped(name: str, present: set[str]) -> str:
    """The header's name (of ``present``) that is not printable and that ``name`` spells
    with escapes (`typed_name`), else ``name``."""
    if "\\" not in name:
        return name
    text = _ESCAPE.sub(lambda m: _ESCAPED.get(m[1]) or chr(int(m[1][1:], 16)), name)
    return text if text in present and not text.isprintable() else name


def closest_name(name: str, names: list[str]) -> str | None:
    """The name of ``names`` a mistyped ``name`` most likely meant: one alike but for letter
    case first ('X' for 'x': difflib finds no likeness in one letter), else `closest`'s."""
    folded = name.casefold()
    cased = next((other for other in names if other.casefold() == folded), None)
    return cased if cased is not None else closest(name, names)


def shown_names(names: list[str], *, what: str, header: Collection[str] | None = None) -> str:
    """``names`` (of ``header``, else all of it) as a list for a message, each as a setting
    names it (`typed_name`): in full up to `_SHOWN_NAMES`, else the first 15 and the last 5
    with the count of those left out and of all ``what``; each name cut to `_SHOWN_CHARS`
    characters."""
    listed = names if len(names) <= _SHOWN_NAMES else [*names[: _SHOWN_NAMES - 5], *names[-5:]]
    # (the names, for `typed_name`'s clash of spellings, only where one is not printable)
    known = (set(names if header is None else header)
             if not all(name.isprintable() for name in listed) else ())
    shown = [shown_name(name, known) for name in listed]
    if len(names) <= _SHOWN_NAMES:
        return f"[{', '.join(shown)}]"
    head, tail = shown[: _SHOWN_NAMES - 5], shown[-5:]
    return (f"[{', '.join(head)}, ... {len(names) - len(head) - len(tail)} "
            f"more ..., {', '.join(tail)}] ({len(names)} {what})")


def _shown_columns(columns: np.ndarray, names: list[str] | None) -> str:
    """``columns`` for a message: by their names, else their indices."""
    if names is not None:
        return shown_names([names[j] for j in columns], what="columns")
    return f"{columns.tolist()} (counting from 0)"
