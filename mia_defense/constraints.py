"""Constraints on plain settings: one `Param` per key, checked the same way wherever the
setting is read (the config checker, the settings dataclasses), with messages that say
what was given and what is allowed."""

from __future__ import annotations

import math
import numbers
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mia_defense.errors import ConfigError, closest, first_few

__all__ = ["Param", "as_fraction", "as_integer", "check_values", "hydra_quoted", "imported_target",
           "is_fraction", "is_integer", "key_shown", "keys_shown", "list_override",
           "missing_attribute", "number_hint",
           "override_text",
           "quoted_list_hint", "setting_said", "shape_refusal", "shell_word", "show", "shown",
           "shown_path",
           "string_hint",
           "sweep_refusal", "typed_path",
           "whole_float_hint"]


@dataclass(frozen=True)
class Param:
    """What one key accepts.

    Attributes:
        kind: ``int``, ``float`` (finite), ``bool``, ``str``, ``floats`` (a non-empty list
            of finite numbers), ``strs`` (a list of strings) or ``target`` (one of
            ``choices``, or a mapping whose ``_target_`` is a dotted name).
        low: lower bound (of every element for ``floats``), ``None`` for none.
        high: upper bound, ``None`` for none.
        low_open: the lower bound is strict.
        high_open: the upper bound is strict.
        choices: the allowed strings (``str``; empty: any string).
        nullable: ``null`` is allowed.
        even: integers: must be even.
        required: the key must be present.
        note: said after what is allowed, e.g. ``0: all usable cores``.
        most: integers: an upper bound another check refuses in its own words (the seed's
            MAX_SEED): the float hint (``seed=1e30``: 'write seed=...') suggests none above it.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    nullable: bool = False
    even: bool = False
    required: bool = False
    note: str = ""
    most: int | None = None

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (a plain Python value) satisfies the constraint."""
        if value is None:
            return self.nullable
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "str":
            return isinstance(value, str) and (not self.choices or value in self.choices)
        if self.kind == "strs":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self.kind == "target":
            if isinstance(value, Mapping):
                return isinstance(value.get("_target_"), str) and bool(value["_target_"])
            return isinstance(value, str) and value in self.choices
        if self.kind == "floats":
            return isinstance(value, list) and bool(value) and all(map(self._number, value))
        return self._number(value)

    def _number(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        # an int is finite (math.isfinite(10**400) raised OverflowError: a traceback)
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.kind != "int" and isinstance(value, int) and not _fits_a_float(value):
            return False  # 10**400 for a float key: torch's OverflowError at the first step
        if self.even and value % 2:
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def _refusal(self, key: str) -> Any:
        """What refuses the integer the float hint would suggest (`whole_float_hint`'s
        ``refusal``): ``None``, accepted and within `most`; else the range where `most` is
        set (seed=1e30 was told neither the integer nor the seeds it may be)."""
        def refusal(whole: int) -> str | None:
            if self.accepts(whole) and (self.most is None or whole <= self.most):
                return None
            if self.most is None:
                return ""  # (the line says what is allowed)
            low = f"from {show(self.low)} " if self.low is not None else ""
            return f"{key} takes an integer {low}to {self.most}"
        return refusal

    def describe(self) -> str:
        """What is allowed, in words: ``a finite number > 0``, ``one of 'adam', 'sgd'``."""
        if self.kind == "bool":
            text = "true or false"
        elif self.kind == "str":
            text = "one of " + ", ".join(map(repr, self.choices)) if self.choices else "a string"
        elif self.kind == "strs":
            text = "a list of strings"
        elif self.kind == "target":
            named = "one of " + ", ".join(map(repr, self.choices)) + " or " if self.choices else ""
            text = named + "a {_target_: ...}"  # (train.fit names none: 'one of  or a')
        else:
            noun = {
                "int": "an even integer" if self.even else "an integer",
                "float": "a finite number" if self.high is None else "a number",
                "floats": "a non-empty list of numbers",
            }[self.kind]
            text = noun + self._range()
        if self.nullable:
            text += " or null"
        return f"{text} ({self.note})" if self.note else text

    def _range(self) -> str:
        low, high = show(self.low), show(self.high)
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f" in {left}{low}, {high}{right}"
        if self.low is not None:
            return f" {'>' if self.low_open else '>='} {low}"
        if self.high is not None:
            return f" {'<' if self.high_open else '<='} {high}"
        return ""

    def problem(self, key: str, value: Any) -> str | None:
        """The problem line for ``key=value``, or ``None`` when it is allowed."""
        if self.accepts(value):
            if self.kind == "floats" and len(set(value)) < len(value):  # one column twice
                twice = sorted({v for v in value if value.count(v) > 1})
                return f"{key}={show(value)}: lists {show(twice[0])} more than once; give each once"
            return None
        line = f"{key}={show(value)}: must be {self.describe()}"
        if self.choices and isinstance(value, str):
            close = closest(value.lower(), self.choices)
            line += f"; did you mean {close!r}?" if close else ""
        kinds = {"floats": {"int", "float"}, "float": {"int", "float"}}.get(self.kind, {self.kind})
        named = number_hint(key, value, kinds) if not self.choices else ""  # (no name is one)
        listed = quoted_list_hint(key, value) if self.kind in ("floats", "strs") else ""
        floated = whole_float_hint(key, value, self._refusal(key)) if self.kind == "int" else ""
        return line + string_hint(value, kinds) + named + listed + floated


def is_integer(value: Any, *, low: int | None = None, high: int | None = None) -> bool:
    """Whether ``value`` passes `as_integer` (an int or numpy integer, no bool, in [low,
    high]): for a check that words its refusal itself (a message tests pin, or one problem
    of several collected)."""
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return whole and (low is None or value >= low) and (high is None or value <= high)


def is_fraction(value: Any, *, zero: bool = False) -> bool:
    """Whether ``value`` passes `as_fraction` (a real number, no bool, in (0, 1), or [0, 1)
    where ``zero``), for a check that words its refusal itself."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return real and (0.0 <= value < 1.0 if zero else 0.0 < value < 1.0)  # (NaN: neither)


def as_integer(value: Any, *, key: str, low: int | None, high: int | None = None,
               note: str = "") -> int:
    """``value`` as an int in [low, high] (a bound of None: none); a `ConfigError` naming
    ``key`` (``where: name``) for a bool, a float (2.0 too), text or an integer out of range,
    with ``note`` after the rule (what the value is, where to find it). numpy's integers are
    integers (`numbers.Integral`: no numpy import here, the CLI's start-up has none)."""
    if not is_integer(value, low=low, high=high):
        bound = "" if low is None else f" in [{low}, {high}]" if high is not None else f" >= {low}"
        said = f"{key}={shown(value)}: must be an integer{bound}{_decimal_hint(value, 'int')}"
        raise ConfigError(f"{said}, {note}" if note else said)
    return int(value)


def as_fraction(value: Any, *, key: str, zero: bool = False, note: str = "") -> float:
    """``value`` as a float in (0, 1), or [0, 1) where ``zero`` (a δ); a `ConfigError` naming
    ``key`` for a bool, text, NaN or a number outside, with ``note`` (an example) after it."""
    if not is_fraction(value, zero=zero):
        said = (f"{key}={shown(value)}: must be a number in {'[0, 1)' if zero else '(0, 1)'}"
                + _decimal_hint(value, "float"))
        raise ConfigError(f"{said}, {note}" if note else said)
    return float(value)


def _decimal_hint(value: Any, kind: str) -> str:
    """What to add to a refusal of a `decimal.Decimal` (a number, but no `numbers.Real`:
    "confidence=Decimal('0.95'): must be a number in (0, 1)" read as nonsense), or ''."""
    if not isinstance(value, numbers.Number) or isinstance(value, numbers.Complex):
        return ""
    return (f" (a {type(value).__name__} is no real number to Python's numbers.Real, which "
            f"these checks read: pass {kind}(value))")


def clipped(text: str, *, limit: int = 200) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis and the full
    length where cut: a value quoted in a refusal (a 100,000-character dataset.path was
    echoed whole)."""
    if len(text) <= limit:
        return text
    tail = f"… ({len(text)} characters)"
    return text[: max(limit - len(tail), 1)] + tail


# The longest key a refusal says whole (`key_shown`). The longest key of the packaged configs,
# Hydra's own included, is 51 characters (attack.attacks.lira_online_augmented.fixed_variance,
# over every config of every group); 80 keeps every real key whole and cuts only what no one
# types: a key of hundreds (``+<300 x>: choice(1,2)``, said four times in one line of 1,500
# characters; ``mia-attack o.npz attack.<200 x>=1``'s 'Could not override', four times).
KEY_LIMIT = 80
_LONG_NAME = re.compile(rf"[\w.]{{{KEY_LIMIT + 1},}}")
# The tools whose commands a refusal suggests (``mia-train -m defense=dp KEY=V ...``).
_COMMANDS = ("mia-train", "mia-attack", "mia-report")


def key_shown(key: str) -> str:
    """``key`` as a refusal names it: whole up to `KEY_LIMIT` characters, else its start, '…'
    and its length (`clipped`)."""
    return clipped(key, limit=KEY_LIMIT)


def keys_shown(text: str) -> str:
    """``text`` (a refusal's words, perhaps another check's) with each name in it longer than
    `KEY_LIMIT` (a run of letters, digits, '_' and '.': a key, or the part of one that a hint
    repeats, ``release.<300 x>`` of ``release.topk.<300 x>``) as `key_shown` names it. A run
    in the value of a ``KEY=VALUE`` word stays whole: a sweep's suggested command holding a
    200-digit ``defense.dp.target_epsilon`` or a long ``hydra.sweep.dir=/tmp/<100 x>/r`` was
    cut and ran no more when pasted. Such a word in running text, not in a command
    (`_words_in_commands`) nor quoted for the shell, is said as `setting_said` says it: a value of
    100,000 characters was echoed whole in the sentence beside the command."""
    return "".join(_word_shown(part, command) if part.strip() else part
                   for part, command in _words_in_commands(text))


def _word_shown(word: str, command: bool) -> str:
    """The word ``word`` of a refusal as `keys_shown` says it: each long name before its
    '=' (or in a word without one) clipped; its value whole in a command or a word quoted
    for the shell (``'++KEY=V'``), else as `setting_said` bounds it."""
    if "=" in word and not command and not word.startswith(("'", '"', "$'")):
        return setting_said(word)
    key, eq, value = word.partition("=")
    return _LONG_NAME.sub(lambda name: key_shown(name.group()), key) + eq + value


def _words_in_commands(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into its words and the spaces between (in order, joined back ``text``),
    each with whether it belongs to a command the text suggests: one of `_COMMANDS` came
    before it, and no word ending a clause (in ',', ';' or ':') since
    (``..., then mia-train -m defense=none KEY=V, then``). One pass: a message of 100,000
    words is cut as fast as one of ten."""
    parts: list[tuple[str, bool]] = []
    command = False
    for part in re.split(r"(\s+)", text):
        parts.append((part, command))
        if part.lstrip("('\"") in _COMMANDS:
            command = True
        elif part.endswith((",", ";", ":")):
            command = False
    return parts


def setting_said(text: str) -> str:
    """The setting ``KEY=VALUE`` (a word of a refusal's running text, not of a command it
    suggests) as the sentence names it: a key over `KEY_LIMIT` as `key_shown` says it, a
    value over 200 characters cut (`clipped`: its start, '…' and its length), the
    ',', ';' or ':' after it kept; a 100,000-character value was echoed whole."""
    key, eq, value = text.partition("=")
    key = _LONG_NAME.sub(lambda name: key_shown(name.group()), key)
    core = value.rstrip(",;:")
    return key + eq + clipped(core) + value[len(core):]


# The longest path a refusal shows whole. Linux's PATH_MAX is 4,096 bytes (its NUL included);
# the longest of the 492,431 paths on the machine this was measured on (/usr, /work: a
# licence file deep in a torch install) was 217 characters, 20 over 200; a sweep's run adds
# to its root multirun/DATE/TIME and its overrides' names (100-odd characters). 1,000 keeps
# every real path (a deep project tree under a long home) whole and readable, several times
# over, and clips only what no one types: a path of thousands of characters, shown otherwise
# as a line of as many.
PATH_LIMIT = 1000


def shown_path(path: Any, *, quoted: bool = False, limit: int = PATH_LIMIT) -> str:
    """A path as a refusal names it: whole up to ``limit`` characters (`PATH_LIMIT`; fewer in
    a table's cell), its start, '…' and its length beyond (`clipped`); ``quoted``: as its
    repr (a NUL or a newline made
    visible). One holding a newline, a terminal's escape code or another character that is
    not printable is shown as `shell_word` writes it (``$'evil\\x1b[2J.csv'``): raw, it
    cleared the terminal or split the refusal over lines. Never for a path inside a command
    the message suggests: see `typed_path`."""
    text = path if isinstance(path, str) else str(path)
    if quoted:
        text = repr(text)
    elif not text.isprintable():
        text = shell_word(text)
    return clipped(text, limit=limit)


def typed_path(path: Any, *, instead: str, shell: bool = True) -> str:
    """``path`` for a command a refusal suggests (``mia-report P --out DIR``), whole and
    quoted for the shell (`shell_word`: a newline as ``$'\\n'``, on the message's one line;
    ``shell=False``: as given, an override's own text): a clipped path
    would name another folder, or none. One longer than `PATH_LIMIT` gives ``instead``
    (e.g. '<that folder>'): the command said without it."""
    text = path if isinstance(path, str) else str(path)
    if len(text) > PATH_LIMIT:
        return instead
    return shell_word(text) if shell else text


def shell_word(text: str) -> str:
    """``text`` as one word of a command that bash and zsh read back as ``text`` and run
    nothing of (``$(...)``, a backquote): shell-quoted, or ``$'...'`` with a control
    character as an escape (`_ansi_c`), which reaches no terminal and forges no line."""
    if text.isprintable():
        return shlex.quote(text)
    return "$'" + "".join(_ansi_c(char) for char in text) + "'"


def _ansi_c(char: str) -> str:
    """``char`` inside bash's ``$'...'``: a backslash and a quote escaped, an unprintable
    character as ``\\xHH`` (a byte that is no UTF-8 too), ``\\uHHHH`` or ``\\UHHHHHHHH``,
    anything else as it is."""
    if char in "\\'":
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of the name that is no UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else (
        f"\\U{code:08x}")


def shown(value: Any) -> str:
    """``repr(value)``, but an integer of more digits than Python writes out (4300: its
    repr raised a raw ValueError inside the very message refusing it), or a fraction of a
    long repr, as its size; a long string cut (`clipped`)."""
    if isinstance(value, str):
        return clipped(repr(value))
    try:
        text = repr(value)
    except ValueError:
        if isinstance(value, numbers.Integral):
            digits = int(int(value).bit_length() * math.log10(2)) + 1
            return f"<an integer of about {digits} digits>"
        if isinstance(value, list | tuple):  # ([64, 10**5000])
            inner = ", ".join(map(shown, value))
            if isinstance(value, list):
                return f"[{inner}]"
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"<a {type(value).__name__}>"
    if len(text) > 80 and isinstance(value, numbers.Rational) and not isinstance(
            value, numbers.Integral):  # (1 - Fraction(1, 10**400): 800 digits)
        digits = int(int(value.denominator).bit_length() * math.log10(2)) + 1
        return f"<a {type(value).__name__} of about {digits} digits>"
    return text


def show(value: Any) -> str:
    """A value as a user would type it in an override."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return shown(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(show, value)) + "]"
    if isinstance(value, Mapping):
        return "{...}"
    return shown(value) if isinstance(value, str) else repr(value)


def string_hint(value: Any, kinds: Any) -> str:
    """What to add to a refusal of the string ``value`` where one of ``kinds`` (``int``,
    ``float``, ``bool``) reads as it: a quoted number, or an environment variable's
    (``seed=${oc.env:SEED,3}`` gives the string '3', refused as 'must be an integer'
    without saying why it was a string); ``''`` otherwise."""
    if not isinstance(value, str) or not any(_reads_as(value.strip(), k) for k in kinds):
        return ""
    if re.fullmatch(r"[+-]?0[0-9_]+(?:[.eE].*)?", value.strip()):  # seed=01: Hydra's text
        number = value.strip()
        written = str(int(number)) if _reads_as(number, "int") else shown(float(number))
        return (f"; it is the string {value!r}: Hydra reads a number written with a leading "
                f"zero as text: write {written}")
    return ("; it is the string " + repr(value) + ", as quotes or an environment variable "
            "give it (${oc.env:NAME} always gives a string): drop the quotes, or read the "
            "variable as a value with ${oc.decode:${oc.env:NAME}} (on the command line "
            "quoted for Hydra and the shell: 'key=\"${oc.decode:${oc.env:NAME,DEFAULT}}\"')")


def whole_float_hint(key: str, value: Any, refusal: Any = None, *, listed: bool = False) -> str:
    """What to add to a refusal of the whole float ``value`` by an integer key: Hydra reads
    ``plan.num_models=1e1`` (or ``10.0``) as the float 10.0, refused as 'must be an even
    integer' without saying why 10 was not one. Names how Hydra read it and, where
    ``refusal`` (the integer -> ``None`` where the key takes it, else the words that refuse
    it, or ``''``; ``None``: any integer passes) takes the integer, the override to write
    (``plan.num_models=10``), else its words (model.hidden=[0.0] was told to write [0], a
    width of 0 the model refuses). ``listed`` (a key of a list of integers): a list of
    integers and whole floats, alike (model.hidden=[1e9] was told only 'must be a list of
    integers'). ``''`` for any other value."""
    listed = listed and isinstance(value, list | tuple) and any(map(_whole_float, value))
    if listed and all(_whole_float(v) or (isinstance(v, int) and not isinstance(v, bool))
                      for v in value):
        whole: Any = [int(v) for v in value]
        read = f"{show(next(v for v in value if isinstance(v, float)))} as a float"
        typed = "[" + ",".join(map(str, whole)) + "]"  # (no spaces: one shell word)
    elif _whole_float(value):
        whole, read = int(value), f"it as the float {show(value)}"
        typed = str(whole)
    else:
        return ""
    refused = None if refusal is None else refusal(whole)
    fix = f": write {key}={typed}" if refused is None else f"; {refused}" if refused else ""
    return (f"; Hydra read {read} (a number with a point or an "
            f"exponent, as 1e1 or 10.0, is a float; an integer is digits alone){fix}")


def _whole_float(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


# Keys that name a file or folder, by their last name: a number given to one may be a name.
_PATH_NAMES = ("path", "dir", "source")


def number_hint(key: str, value: Any, kinds: Any, *, path: bool = False) -> str:
    """What to add to a refusal of the number or boolean ``value`` where ``kinds`` admit a
    string: Hydra reads an unquoted ``dataset.path=2024`` (a file named with digits) as the
    number 2024, refused as 'must be a string' without saying why it was not one. Names how
    to keep it text, for Hydra; a path (``path``, or a key named ``*path``, ``*dir``,
    ``source``) may also start with ``./``. ``''`` otherwise."""
    if value is None or not isinstance(value, int | float) or "str" not in kinds:
        return ""
    what = "true or false" if isinstance(value, bool) else f"the number {show(value)}"
    typed = show(value)
    text = (f"; Hydra read the value as {what}, not as text: quote it for Hydra, "
            f"{key}=\"'{typed}'\" (the text as you typed it)")
    if path or key.rsplit(".", 1)[-1].endswith(_PATH_NAMES):
        text += f", or, a path, start it with ./ ({key}=./{typed})"
    return text


def imported_target(key: str, target: str, *, advice: str = "") -> Any:
    """What the dotted name ``target`` of the setting ``key`` (``train.fit._target_``) names,
    ``None`` where its module has no such attribute (or it names no module); a `ConfigError`
    naming ``key`` when the module cannot be imported, with ``advice`` (``"; ..."``) and what
    was not found (`missing_attribute`)."""
    import importlib

    module, _, name = target.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name, None) if module else None
    except ImportError as err:
        raise ConfigError(f"{key}={target}: cannot import it ({err}){advice}"
                          f"{missing_attribute(target)}") from err


def missing_attribute(name: str) -> str:
    """Of a ``_target_`` that cannot be imported, what was not found when its module was
    (``my_pkg.MyNett``: Hydra said "No module named 'my_pkg.MyNett'; 'my_pkg' is not a
    package"): `` (module 'my_pkg' is found, but has no attribute 'MyNett'; did you mean
    'MyNet'?)``, or ``""`` (no module of it imports, or importing it failed: Hydra's words
    say so)."""
    import importlib

    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):  # the longest importable module of the name
        try:
            owner: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        except Exception:  # importing it raised: the reason already says what
            return ""
        for j in range(i, len(parts)):
            if not hasattr(owner, parts[j]):
                names = [n for n in dir(owner) if not n.startswith("_")]
                close = closest(parts[j], names)
                mean = f"; did you mean {close!r}?" if close else ""
                found = ("module " if j == i else "") + repr(".".join(parts[:j]))
                return f" ({found} is found, but has no attribute {parts[j]!r}{mean})"
            owner = getattr(owner, parts[j])
        return ""
    return ""


def check_values(
    table: Mapping[str, Param], values: Mapping[str, Any], *, prefix: str
) -> list[str]:
    """The problem lines of plain ``values`` against ``table`` (for dataclass settings)."""
    problems = []
    for key, value in values.items():
        param = table.get(key)
        line = param.problem(f"{prefix}.{key}", value) if param else None
        if line:
            problems.append(line)
    return problems


def shape_refusal(key: str, typed: str, given: Any, current: Any, *,
                  shell: bool = True) -> str:
    """The refusal of the override ``key=typed`` (``given``, its plain value) where ``key``
    holds ``current`` (a plain list or mapping) and ``given`` is the other of the two: Hydra
    said only "Error merging override dataset.drop_columns={a:1} / Cannot merge DictConfig
    with ListConfig / full_key: ... object_type=list" (the same words for a list given to a
    mapping). Names the key, what was given, what it takes, and a setting to type
    (``shell=False``: as the API's overrides take it, unquoted)."""
    typed = clipped(typed)  # (attack.attacks=[<100,000 characters>] was echoed whole)
    if isinstance(current, list):
        named = [k for k in given if len(str(k)) <= 60] if isinstance(given, Mapping) else []
        items = current or named or ["a", "b"]  # (a key of 100,000 characters: no example)
        example = list_override(key, items, shell=shell)
        return (f"{key}={typed}: a mapping, where {key} takes a list (now {show(current)}); "
                f"write a list in square brackets, e.g. {example}"
                + (" (quoted for the shell)" if shell else ""))
    keys = [str(name) for name in current]
    shown = first_few(keys, 8)
    plain = [(name, value) for name, value in current.items()
             if value is None or isinstance(value, str | int | float)]
    if plain:
        name, value = plain[0]
        example = (override_text(f"{key}.{name}", value) if isinstance(value, str)
                   else f"{key}.{name}={show(value)}")
        what = f"set its keys one by one, e.g. {example}"
    elif keys:
        what = f"set or remove its entries one by one, e.g. ~{key}.{keys[-1]} removes one"
    else:
        what = f"set its keys one by one ({key}.NAME=VALUE)"
    return (f"{key}={typed}: a list, where {key} is a mapping of settings (its keys: "
            f"{shown or 'none'}); {what}")


def list_override(key: str, items: list[Any], *, shell: bool = True) -> str:
    """The command-line setting that makes ``key`` the list ``items``, quoted for a shell:
    ``'dataset.drop_columns=[id,note]'``, ``'attack.fprs=[0.1,0.01]'``; ``shell=False``:
    the override as the API takes it, unquoted (``attack.fprs=[0.1,0.01]``)."""
    texts = [(item if _PLAIN_VALUE.fullmatch(item) else hydra_quoted(item, quote=chr(34)))
             if isinstance(item, str) else show(item) for item in items]
    text = f"{key}=[{','.join(texts)}]"
    return shlex.quote(text) if shell else text


def quoted_list_hint(key: str, value: Any) -> str:
    """What to add to a refusal of the text ``value`` written as a list, ``'[0.1,0.01]'``
    (quotes inside the shell's, or in YAML, make Hydra read the brackets as text): the
    setting that gives the list; ``''`` for any other value."""
    if not isinstance(value, str) or not re.fullmatch(r"\s*\[.*\]\s*", value, re.DOTALL):
        return ""
    return (f"; it is the text {shown(value)}, brackets included (Hydra reads a value in its "
            f"quotes as text): quote the setting for the shell only, "
            f"{list_override(key, _list_items(value))}")


def _list_items(value: str) -> list[Any]:
    """The items of the list written as the text ``value`` (``[a,'b,c']``), as Hydra's
    override parser reads it unquoted, so that `list_override`'s setting gives them back;
    where it reads no list of plain items (``[say "hi",q]``), each text between commas
    (`_item`), as also for a text over 2,000 characters (Hydra's parser takes seconds on
    one of 10,000, minutes beyond). Split on commas and stripped of quote marks at each
    end, ``['a,b',c]`` gave three items and ``[say "hi",q]`` the item ``say "hi``."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    items = None
    try:
        if len(value) <= 2000:
            items = OverridesParser.create().parse_override(f"k={value.strip()}").value()
    except Exception:  # (Hydra's grammar refuses it: the items as typed)
        pass
    if isinstance(items, list) and all(item is None or isinstance(item, str | int | float)
                                       for item in items):  # fmt: skip
        return items
    inner = value.strip()[1:-1].strip()
    return [_item(text.strip()) for text in inner.split(",")] if inner else []


def _item(text: str) -> Any:
    """A list item written as ``text``: the number it reads as, else the text, less one
    pair of matching quote marks around it (``'a'``: a; ``say "hi"`` as it is)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
    return text[1:-1] if quoted else text


def sweep_refusal(line: str, key: str, items: list[Any], *, group: bool,
                  shell: bool = True) -> str:
    """The refusal of the override ``line`` (``key=a,b`` without -m), whose values
    ``items`` Hydra reads as a sweep: Hydra said "Ambiguous value for argument ... 1. To use
    it as a list, use key=[value1,value2] 2. ... key=\\'value1,value2\\'", naming no key and
    giving a list unquoted (a pattern to zsh). A config ``group`` (but defense, which takes
    a list) gets no list or text: one choice, or -m. ``shell=False``: for the API's
    overrides, which no shell reads and nothing sweeps."""
    start = (f"{line}: Hydra reads values separated by commas as a sweep, one run per value, "
             + ("which needs -m (--multirun); to run once per value, add -m" if shell else
                "which the API does not run"))
    if group and key != "defense":
        first = items[0] if isinstance(items[0], str) else show(items[0])
        return f"{start}; for one run, choose one: {key}={first}"
    listed = list_override(key, items, shell=shell)
    if group:
        return f"{start}; to stack them in one run, write {listed}"
    if not shell:
        return f"{start}; call it once per value, or, where {key} takes a list, write {listed}"
    text = ",".join(item if isinstance(item, str) else show(item) for item in items)
    return (f"{start}; where {key} takes a list, write {listed}; where it takes text holding "
            f"commas, {override_text(key, text)}")


def _reads_as(text: str, kind: str) -> bool:
    """Whether ``text`` is written as a value of ``kind`` (``int``, ``float``, ``bool``)."""
    if kind == "bool":
        return text.lower() in ("true", "false")
    if kind not in ("int", "float"):
        return False
    try:
        number = int(text) if kind == "int" else float(text)
    except ValueError:
        return False
    return math.isfinite(number)


def _fits_a_float(value: int) -> bool:
    """Whether the integer ``value`` converts to a finite float (10**400 does not)."""
    try:
        float(value)
    except OverflowError:
        return False
    return True


# A value Hydra reads as this text unquoted and no shell changes (not true, null, nan, inf:
# Hydra reads those as a bool, None or a float; ASCII only: Hydra reads no other unquoted)
_PLAIN_VALUE = re.compile(r"(?!(?i:true|false|null|nan|inf)$)[A-Za-z_][\w.-]*", re.ASCII)


def override_text(key: str, value: str | list[str]) -> str:
    """The command-line setting ``key=value`` that makes ``key`` the text ``value``, as a
    user types it into bash or zsh: bare where neither reads anything into it
    (``dataset.x_key=images``); else ``value`` in Hydra's quotes, escaped for Hydra (the
    quote, the backslashes before it or the end) and OmegaConf (``${``), inside the
    shell's: ``"dataset.delimiter=';'"`` (typed bare, the shell ate the quotes and Hydra
    could not parse ``dataset.delimiter=;``), ``'dataset.drop_columns="$x"'`` where double
    quotes would leave something to the shell (``$``, a backquote, ``!``, a backslash). A
    list of texts: ``'dataset.drop_columns=[id,"null"]'`` (a shell reads ``[a,b]`` as a
    pattern; an item Hydra would read as a word of its own in its quotes)."""
    if isinstance(value, list):
        items = [name if _PLAIN_VALUE.fullmatch(name) else hydra_quoted(name, quote=chr(34))
                 for name in value]
        return shell_word(f"{key}=[{','.join(items)}]")
    if _PLAIN_VALUE.fullmatch(value):
        return f"{key}={value}"
    single = f"{key}={hydra_quoted(value, quote=chr(39))}"  # Hydra's '...'
    if value.isprintable() and not set(value) & set("\"$`\\!"):
        return f'"{single}"'  # Hydra's quotes inside the shell's
    if value.isprintable() and "'" not in value:
        return f"'{key}={hydra_quoted(value, quote=chr(34))}'"
    # (both kinds of quote; a character not printable, a column's name holding a terminal's
    # escape or a line end: `shell_word`'s $'...', which neither reaches the terminal raw)
    return shell_word(single)


def hydra_quoted(value: str, *, quote: str = "'") -> str:
    """``value`` in Hydra's ``quote`` marks, resolving to ``value`` itself: the quote and
    ``${`` escaped (else Hydra's end of the text, OmegaConf's interpolation), and the
    backslashes before them or at the end doubled (Hydra's and OmegaConf's rule; others stay
    as they are): a file named ``o${oc.env:HOME}.npz`` was resolved, ``a\\b`` read as
    ``a\\\\b``."""
    def escape(match: re.Match[str]) -> str:
        slashes, after = match.groups()
        return slashes * 2 + ("\\" + after if after else "")

    return quote + re.sub(rf"(\\*)({quote}|\$\{{|$)", escape, value) + quote
