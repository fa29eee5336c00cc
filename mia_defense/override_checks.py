"""Overrides (``key=value`` texts of a command line or of the API's ``overrides=[...]``)
that Hydra would misread or answer with a traceback, found before Hydra reads them: each
function returns the problem in words (or ``None``); the tools (`mia_defense.cli.arguments`)
and the API (`mia_defense.attack_setup`) refuse or warn with them alike."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from mia_defense.config_keys import (
    FIXED_GROUPS,
    NAMED_ENTRIES,
    packaged_configs,
    packaged_setting,
    user_config_folders,
)
from mia_defense.constraints import (
    KEY_LIMIT,
    clipped,
    hydra_quoted,
    key_shown,
    override_text,
    shell_word,
)
from mia_defense.errors import closest

__all__ = [
    "control_character",
    "deleted_required",
    "deleted_said",
    "holds_settings",
    "misspelt_key",
    "misspelt_key_problem",
    "null_group_override",
    "null_group_problem",
    "override_choices",
    "parsed_override",
    "parsed_overrides",
    "repeated_keys",
    "unnamed_group_choice",
    "unquoted_non_ascii",
]


def parsed_overrides(args: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """``(override, Hydra's parse of it)`` for each ``key=value`` of ``args`` that Hydra's
    parser reads. A malformed one is left out: Hydra names it itself."""
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        override = parsed_override(arg)
        if override is not None:
            yield arg, override


def holds_settings(key: str) -> bool:
    """Whether the config key ``key`` is a node of settings, not one setting: a config group
    (``attack``, ``model``), a node of one (``attack.queries``, ``attack.attacks``) or a
    named entry (an attack ``attack.attacks.shokri``, a defense ``defense.dp``, one's own
    too), whose settings are given as ``KEY.NAME=VALUE``. mia-train's check and the attack
    checks ask this one rule (each had its own, which disagreed on an attack's entry)."""
    parent, _, _ = key.rpartition(".")
    if parent in NAMED_ENTRIES:
        return True
    group, *path = key.split(".")
    if not path:
        return bool(packaged_configs(group))
    return group in FIXED_GROUPS and isinstance(
        packaged_setting(group, "default", path), Mapping)


def deleted_required(problems: Sequence[str], overrides: Sequence[str]) -> dict[int, str]:
    """Of a config check's ``problems``, those of a required key that a ``~KEY`` of
    ``overrides`` deleted, by index, each with the override and what to do: "attack.fprs:
    missing; it is required: '~attack.fprs' deletes it; leave that override out (to change
    it, give attack.fprs=VALUE)" (a node of settings, `holds_settings`: 'give
    KEY.NAME=VALUE'; a top-level one, a config group: no change offered). A line with a fix
    of its own ('~attack.attacks') is kept as it is. The API's check (its 'attack overrides
    [...]' before them) and mia-train's (`mia_defense.config.check_config`) word them so,
    through `deleted_said`."""
    deleted = _deleted_overrides(overrides)
    said = {}
    for index, problem in enumerate(problems):
        key, _, rest = problem.partition(": ")
        if key not in deleted or not rest.startswith("missing; it is required"):
            continue
        if rest != "missing; it is required":  # (its own fix said: ~attack.attacks)
            said[index] = problem
            continue
        said[index] = (f"{problem}: {clipped(repr(deleted[key]))} deletes it; leave that "
                       f"override out{_change_hint(key)}")
    return said


def _deleted_overrides(overrides: Sequence[str]) -> dict[str, str]:
    """``{key: its ~KEY override}`` for each deletion among ``overrides`` that Hydra reads."""
    deleted = {}
    for text in map(str, overrides):
        parsed = parsed_override(text.strip()) if text.lstrip().startswith("~") else None
        if parsed is not None:  # (a sweep's job says '~attack.fprs=null' of '~attack.fprs')
            deleted[parsed.key_or_group] = text.strip().removesuffix("=null")
    return deleted


def _change_hint(key: str) -> str:
    """How to change the deleted ``key`` instead of deleting it, in parentheses after "leave
    that override out" (none for a top-level key, a config group)."""
    if "." not in key:
        return ""
    if holds_settings(key):
        return f" (to change a setting in it, give {key}.KEY=VALUE)"
    return f" (to change it, give {key}=VALUE)"


# A config check's line of a key whose ``${...}`` names a key that is not there (`_Walk.get`).
_UNRESOLVED = re.compile(
    r"(?P<key>.+?): cannot resolve its value \((?P<why>Interpolation key '(?P<read>[^']+)' "
    r"not found)\)"
)


def deleted_said(problems: Sequence[str], overrides: Sequence[str]) -> list[str]:
    """``problems`` (a config check's lines) as they are said where ``overrides`` delete
    keys: a required key deleted worded as `deleted_required` words it; the keys that read a
    deleted key (``${seed}`` after '~seed': seven attacks' ``seed``), each "cannot resolve its
    value (Interpolation key 'seed' not found)" before the line naming the cause, said as
    two lines where the first of them stood: the cause (what was deleted, which keys read
    it, what to do), then the knock-on lines folded into one."""
    said = deleted_required(problems, overrides)
    lines = [said.get(index, line) for index, line in enumerate(problems)]
    deleted = _deleted_overrides(overrides)
    readers: dict[str, list[re.Match[str]]] = {}
    owner: dict[int, str] = {}  # index of a reader's or a deleted key's line -> that key
    for index, line in enumerate(problems):
        found = _UNRESOLVED.fullmatch(line)
        key = None if found is None else _deleted_key(found["read"], deleted)
        if found is not None and key is not None:
            readers.setdefault(key, []).append(found)
            owner[index] = key
    if not readers:
        return lines
    causes = {line.partition(": ")[0]: index for index, line in said.items()}
    owner.update({causes[key]: key for key in readers if key in causes})
    out: list[str] = []
    for index, line in enumerate(lines):
        key = owner.get(index)
        if key is None:
            out.append(line)
        elif key not in readers:  # said already, where the first of its lines stood
            continue
        else:
            kept = problems[causes[key]] if key in causes else None
            out += _read_deleted_lines(key, deleted[key], readers.pop(key), kept)
    return out


def _deleted_key(read: str, deleted: Mapping[str, str]) -> str | None:
    """The deleted key that the interpolation of ``read`` (``seed``, ``plan.test_size``)
    names: itself or a node above it (the longest), or ``None``."""
    above = [key for key in deleted if read == key or read.startswith(f"{key}.")]
    return max(above, key=len) if above else None


def _read_deleted_lines(
    key: str, override: str, found: list[re.Match[str]], kept: str | None
) -> list[str]:
    """The cause (``key`` deleted by ``override``, the keys of ``found`` that read it) and
    the knock-on lines of ``found`` folded into one. ``kept``: the check's own line of the
    required ``key`` ("seed: missing; it is required"), if any; one with a fix of its own
    ('~attack.attacks') is said as it is, before the folded line."""
    names = _keys_together([match["key"] for match in found])
    reads = ", ".join(dict.fromkeys(f"${{{match['read']}}}" for match in found))
    who = (f"{names} reads it ({reads})" if len(found) == 1
           else f"{len(found)} keys read it ({reads}: {names})")
    shown = clipped(repr(override))
    if kept is not None and kept.partition(": ")[2] != "missing; it is required":
        cause = kept
    else:
        cause = (f"{kept or key}: {shown} deletes it, yet {who}; leave that override "
                 f"out{_change_hint(key)}")
    whys = "; ".join(dict.fromkeys(match["why"] for match in found))
    their = "its" if len(found) == 1 else "their"
    return [cause, f"{names}: cannot resolve {their} value ({whys}), as {shown} deletes "
                   f"{key_shown(key)}"]


def _keys_together(keys: Sequence[str]) -> str:
    """``keys`` named in one text, their common start and end said once:
    ``attack.attacks.{shokri,rmia}.seed`` (others: joined by commas), cut past 400
    characters (`clipped`)."""
    keys = list(dict.fromkeys(keys))
    if len(keys) == 1:
        return key_shown(keys[0])
    parts = [key.split(".") for key in keys]
    shortest = min(map(len, parts))
    head = 0
    while head < shortest - 1 and len({part[head] for part in parts}) == 1:
        head += 1
    tail = 0
    while head + tail < shortest - 1 and len({part[-tail - 1] for part in parts}) == 1:
        tail += 1
    if not head and not tail:
        return clipped(", ".join(keys), limit=400)
    middles = ",".join(".".join(part[head:len(part) - tail]) for part in parts)
    start = "".join(f"{word}." for word in parts[0][:head])
    end = "".join(f".{word}" for word in parts[0][len(parts[0]) - tail:])
    return clipped(f"{start}{{{middles}}}{end}", limit=400)


@functools.lru_cache(maxsize=1024)
def parsed_override(arg: str) -> Any | None:
    """Hydra's parse of the override ``arg`` (read, never changed, by the callers), or
    ``None`` where its grammar cannot read it. Kept: the checks of one command line read
    each argument five or six times, at a few milliseconds a parse."""
    try:
        return _parser().parse_override(arg)
    except Exception:
        return None


@functools.cache
def _parser() -> Any:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def override_choices(args: Sequence[str]) -> Iterator[tuple[str, str, list[Any]]]:
    """``(override, key or group, its values)`` for each ``key=value`` of ``args`` that
    Hydra's parser reads (a sweep's values each; one value otherwise)."""
    from hydra.core.override_parser.types import ChoiceSweep

    for arg, override in parsed_overrides(args):
        value = override.value()
        yield arg, override.key_or_group, value.list if isinstance(value, ChoiceSweep) else [value]


def null_group_override(args: Sequence[str]) -> str | None:
    """The first override of ``args`` that selects null for a config group (``defense=null``,
    ``release=[null]``, ``dataset=null,digits``, Hydra's ``hydra/job_logging=null``), or
    ``None``. Hydra stops on those with a Python traceback ("Config group override must be a
    string or a list. Got NoneType")."""
    from importlib.resources import files

    groups = {p.name for p in files("mia_defense.conf").iterdir() if p.is_dir()}
    for arg, key, choices in override_choices(args):
        if (key.lstrip("+~") in groups or key.lstrip("+~").startswith("hydra/")) and any(
            choice is None or (isinstance(choice, list) and None in choice) for choice in choices
        ):
            return arg
    return None


def unnamed_group_choice(args: Sequence[str]) -> str | None:
    """The message for the first override of ``args`` that gives a config group (or a
    package, ``GROUP@PKG=``) a number, true/false or a nested list instead of a config's name
    (``train=5``, ``model=true``, ``defense=[1]``, ``defense=[[dp]]``, ``-m model=1,2``, a
    range or interval of numbers: ``-m 'defense=range(0,2)'``) or names no key at all
    (``=5``, ``@x=5``), or ``None``. Hydra stopped on those with a Python traceback ("Config
    group override must be a string or a list. Got int"; "can only concatenate str (not
    "list") to str"); an Optuna search's trials were each refused."""
    from importlib.resources import files

    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

    conf = files("mia_defense.conf")
    groups = {p.name for p in conf.iterdir() if p.is_dir()}
    for arg, override in parsed_overrides(args):
        group = override.key_or_group
        if group == "":
            return (f"{_said(arg)}: no config group or key before '='; write KEY=VALUE (e.g. "
                    "train.lr=0.01) or GROUP=NAME (e.g. defense=dp)")  # fmt: skip
        if override.package is None and group not in groups and "/" not in group:
            continue
        value = override.value()
        for choice in value.list if isinstance(value, ChoiceSweep) else [value]:
            names = choice if isinstance(choice, list) else [choice]
            bad = next((n for n in names if isinstance(n, bool | int | float | list | RangeSweep
                                                       | IntervalSweep)), None)  # fmt: skip
            if bad is None:
                continue
            shown = str(bad).lower() if isinstance(bad, bool) else clipped(repr(bad))
            if isinstance(bad, list):  # defense=[[mixup]]: Hydra's TypeError traceback
                shown = f"a list inside a list ({clipped(repr(bad))}); write '{group}=[A,B]'"
            elif isinstance(bad, RangeSweep | IntervalSweep):  # (numbers: Hydra's traceback)
                shown = f"the numbers of {clipped(arg.partition('=')[2])}"
            folder = conf.joinpath(group)
            options = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")) \
                if group in groups and folder.is_dir() else []  # fmt: skip
            listed = f" (one of: {', '.join(options)})" if options else ""
            return (f"{_said(arg)}: a config group takes the name of one of its "
                    f"configs{listed}, not {shown}")
    return None


def null_group_problem(args: Sequence[str]) -> str | None:
    """The message for an override of ``args`` that selects null, a number or true/false for
    a config group, or that names no key (`unnamed_group_choice`), or ``None``: the tools
    and the API's ``overrides=[...]`` (``attack=null``: Hydra's "Config group override must
    be a string or a list. Got NoneType") refuse it in these words."""
    arg = null_group_override(args)
    if arg is None:
        return unnamed_group_choice(args)
    group = arg.split("=", 1)[0].lstrip("+~")
    lists = " or a list of them ('defense=[dp,mixup]'; 'defense=[]' for none)"
    where = f"the files in conf/{group}/" if not group.startswith("hydra/") else \
        "Hydra's own, or files in conf/hydra/; mia-train --hydra-help lists them"  # fmt: skip
    return (f"{_said(arg)}: a config group takes the name of one of its configs "
            f"({where}){lists if group == 'defense' else ''}, not null")  # fmt: skip


_SHELL_COMPLETION = ("-sc", "--shell-completion")


def misspelt_key(
    args: Sequence[str], known: Collection[str] | None = None
) -> tuple[str, str, str] | None:
    """The first override of ``args`` whose first name is neither a config group nor a
    top-level key: ``(override, name, closest)`` (``defens=dp``, ``trian.lr=1``; the closest
    "" where none is close: ``run_nam=1``). Hydra says only "Could not override 'defens'. To
    append to your config use +defens=dp", which would add a key nothing reads. ``known``:
    the tool's groups and top-level keys (``None``: mia-train's, read from the packaged
    config)."""
    from importlib.resources import files

    import yaml

    if user_config_folders(args):
        return None  # groups of the user's own config folders: Hydra knows them
    if known is None:
        conf = files("mia_defense.conf")
        known = {p.name for p in conf.iterdir() if p.is_dir() and not p.name.startswith("_")}
        top = yaml.safe_load(conf.joinpath("config.yaml").read_text()) or {}
        known |= {str(key) for key in top} | {"hydra", "objectives"}
    for previous, arg in zip(["", *args], args, strict=False):
        if arg.startswith(("-", "+", "~")) or "=" not in arg or previous in _SHELL_COMPLETION:
            continue  # (-sc install=bash: Hydra's option and its value)
        name = arg.split("=", 1)[0].split(".", 1)[0]
        if name in known or not name.isidentifier():
            continue
        return arg, name, closest(name, sorted(known)) or ""
    return None


def misspelt_key_problem(
    args: Sequence[str], known: Collection[str] | None, *, listed: str
) -> str | None:
    """The message for an override of ``args`` whose first name is close to one of ``known``
    (`misspelt_key`), ``listed`` saying where the keys are listed, or ``None``: the tools
    and the API's ``overrides=[...]`` (``atack.bootstrap=0``: Hydra's "To append to your
    config use +atack.bootstrap=0") refuse it in these words."""
    found = misspelt_key(args, known)
    if found is None:
        return None
    arg, name, close = found
    hint = f"did you mean {close!r}?" if close else "none is named alike"
    # (a key over KEY_LIMIT clipped, `key_shown`, the override with it: <200 x>=1 was said
    # three times whole)
    said = _said(arg, limit=KEY_LIMIT if len(arg.partition("=")[0]) > KEY_LIMIT else 200)
    name = repr(key_shown(name))
    return (f"{said}: no config group or key {name} (Key {name} is not in struct); {hint} "
            f"({listed})")


def _said(arg: str, *, limit: int = 200) -> str:
    """``arg`` as a refusal quotes it: as typed; one holding a character that is not printable
    (a control character, a bidirectional override such as U+202E, which reorders the line
    on a terminal; a byte of the command line that is no UTF-8, Python's stand-in ``\\udcff``)
    as the shell word that types it (`shell_word`'s ``$'...'``, as `shown_path` shows a path:
    ``$'train.lr=0.1\\x1b[2J'``; U+00A0 ``\\u00a0``, apart from the byte ``\\xa0``, and a
    typed backslash apart from an escape). One longer than ``limit`` characters is cut
    (`clipped`): an override of thousands was said whole."""
    return clipped(arg if arg.isprintable() else shell_word(arg), limit=limit)


def _not_utf8(char: str) -> bool:
    """Whether ``char`` is os.fsdecode's stand-in for a byte that is no UTF-8."""
    return "\udc80" <= char <= "\udcff"


def unquoted_non_ascii(args: Sequence[str], *, shell: bool = True) -> str | None:
    """The message for the first ``key=value`` of ``args`` that Hydra's grammar cannot read
    because of a character beyond ASCII outside quotes (``dataset.path=/data/café.csv``,
    ``hydra.run.dir=runs/ü``, ``+ключ=1``), or ``None``. Hydra stopped on it with its lexer's
    "LexerNoViableAltException", which does not say that quotes would do. ``shell``: the
    overrides came from a command line (else the API's ``overrides=[...]``, Python strings)."""
    for arg in args:
        if (arg.startswith("-") or ("=" not in arg and not arg.startswith("~"))
                or arg.isascii() or parsed_override(arg) is not None):  # fmt: skip
            continue
        key, equals, value = arg.partition("=")
        name = key.lstrip("+~").split("@", 1)[0]
        if value.startswith(("'", '"')) and name.isascii():
            continue  # quoted already: Hydra names what else it cannot read
        if not name.isascii():
            return _non_ascii_key(arg, key, name)
        if not equals:
            continue  # (~KEY=VALUE's value: as a value's below)
        typed = _ascii_typed(value)
        if typed is not None and typed in packaged_configs(name):  # (defense=dр: Cyrillic р)
            return (f"{_said(arg)}: {name} has no config {clipped(repr(value))}: "
                    f"{_lookalike_words(value)}; type it in ASCII: "
                    f"{shell_word(f'{key}={typed}')}")  # fmt: skip
        listed = _lookalike_marks(key, value) or _lookalike_listed(key, name, value)
        if listed is not None:  # (defense=［dp,mixup］; defense=[dр,mixup], a sweep's)
            return f"{_said(arg)}: {listed}"
        char = next(c for c in value if not c.isascii())
        what = f"a character beyond ASCII ({char!r}, U+{ord(char):04X})"
        if _not_utf8(char):  # (no shell form of it here: bash's $'...' writes it)
            what = f"a byte that is no UTF-8 ({_said(char)})"
        if ("," in value or parsed_override(f"{key}={hydra_quoted(value)}") is None
                or (shell and any(map(_not_utf8, value)))):  # fmt: skip
            how = "quote each value that holds it for Hydra (key='a value')"
        else:
            quoted = override_text(key, value) if shell else f"{key}={hydra_quoted(value)}"
            how = f"quote the value for Hydra: {quoted}{' in a shell' if shell else ''}"
            if clipped(quoted) != quoted:  # cut, it could not be copied: said in words
                named = _said(key) if len(key) <= 60 else "key"
                how = (f"quote the value for Hydra ({named}='the value')"
                       f"{' and that whole override for the shell' if shell else ''} (the "
                       f"{'command' if shell else 'override'}, {len(quoted)} characters, is "
                       "too long to say here)")  # fmt: skip
        return (f"{_said(arg)}: Hydra's override grammar reads {what} only inside quotes, and "
                f"stopped on it; {how}")
    return None


# Letters beyond ASCII that a terminal shows as an ASCII letter (after Unicode's NFKC, which
# makes a full-width 'ｔ' 't'): Cyrillic's and Greek's (`_non_ascii_key`).
_LOOKALIKES = str.maketrans(dict(zip(
    "аеорсухіјѕԁһԛԝӏАВЕКМНОРСТХІЈЅοινκραυΑΒΕΖΗΙΚΜΝΟΡΤΧΥ",
    "aeopcyxijsdhqwlABEKMHOPCTXIJSoivkpauABEZHIKMNOPTXY", strict=True)))


# The values of a list, a sweep or a function's arguments (``[a,b]``, ``a,b``, ``choice(a,b)``):
# runs of what is none of their brackets, commas and spaces, a function's name left out
_LISTED = re.compile(r"[^\[\](){},\s]+(?![^\[\](){},\s]|\s*\()")


# What a list, a mapping, a sweep or a function is written with, which a full-width form
# (U+FF3B '［', U+FF0C '，': an East Asian keyboard's) looks like and NFKC makes ASCII
_MARKS = "[](){},"


def _lookalike_marks(key: str, value: str) -> str | None:
    """`unquoted_non_ascii`'s words for a ``value`` of ``key`` whose characters beyond ASCII
    are all full-width forms of a bracket or a comma (``defense=［dp,mixup］``), where Hydra
    parses it typed in ASCII: which of its characters, and the override to type ("the
    value's character 1, '［' (U+FF3B FULLWIDTH LEFT SQUARE BRACKET) is not the ASCII '['
    it looks like (likewise character 10 '］'); type it in ASCII: 'defense=[dp,mixup]'").
    ``None`` elsewhere (a letter's look-alike too: `_lookalike_listed`)."""
    import unicodedata

    marks = [(at, char) for at, char in enumerate(value, 1) if not char.isascii()]
    typed = unicodedata.normalize("NFKC", value)
    if (not marks or not typed.isascii() or len(typed) != len(value)
            or any(unicodedata.normalize("NFKC", char) not in _MARKS for _, char in marks)
            or parsed_override(f"{key}={typed}") is None):  # fmt: skip
        return None  # (still no override typed in ASCII: offered quoted as before)
    (at, char), others = marks[0], marks[1:]
    likewise = ", ".join(f"{place} {other!r}" for place, other in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    also = f" (likewise character{'s' if len(others) > 1 else ''} {likewise}{more})" \
        if others else ""  # fmt: skip
    return (f"the value's character {at}, {_char_named(char)} is not the ASCII "
            f"{unicodedata.normalize('NFKC', char)!r} it looks like{also}; type it in ASCII: "
            f"{clipped(shell_word(f'{key}={typed}'))}")


def _lookalike_listed(key: str, name: str, value: str) -> str | None:
    """`unquoted_non_ascii`'s words for a list, a sweep or a function's values (``value``
    of ``key``, the key or group ``name``) whose characters beyond ASCII each look like an
    ASCII one, where each value holding one is, typed in ASCII, a config of the group
    ``name`` or a number (a full-width digit; a plain number's too): which value, which of
    its characters, and the override to type ("value 1 of 2, 'dр' (defense has no config
    'dр'): its character 2, 'р' (U+0440 ...) is not the ASCII letter it looks like; type it
    in ASCII: 'defense=[dp,mixup]'"). ``None`` elsewhere (a column's name may be meant so:
    offered quoted)."""
    typed = _ascii_typed(value)
    values = _LISTED.findall(value)
    if typed is None or parsed_override(f"{key}={typed}") is None:
        return None
    configs = packaged_configs(name)
    beyond = [(place, text) for place, text in enumerate(values, 1) if not text.isascii()]
    if not beyond or not all(_typed_fits(text, configs) for _, text in beyond):
        return None
    place, text = beyond[0]
    which = next(at for at, char in enumerate(text, 1) if not char.isascii())
    shown = clipped(repr(text))
    none = f" ({name} has no config {shown})" if configs else ""
    listed = shown if values == [value] else f"value {place} of {len(values)}, {shown}"
    return (f"{listed}{none}: its character {which}, {_lookalike_words(text)}; type it in "
            f"ASCII: {clipped(shell_word(f'{key}={typed}'))}")


def _typed_fits(text: str, configs: Collection[str]) -> bool:
    """Whether ``text`` typed in ASCII (`_ascii_typed`) is one of ``configs`` (a group's) or,
    where there are none (a setting's key), a number."""
    typed = _ascii_typed(text)
    if typed is None:
        return False
    if configs:
        return typed in configs
    try:
        float(typed)
    except ValueError:
        return False
    return True


def _ascii_typed(text: str) -> str | None:
    """``text`` as typed in ASCII where each character beyond ASCII in it looks like an
    ASCII one (`_LOOKALIKES`; an invisible one, U+200B, left out), else ``None``."""
    import unicodedata

    typed = "".join(c for c in unicodedata.normalize("NFKC", text)
                    if unicodedata.category(c) != "Cf").translate(_LOOKALIKES)
    return typed if typed.isascii() else None


def _char_named(text: str) -> str:
    """The first character beyond ASCII of ``text``, its code point and Unicode name."""
    import unicodedata

    char = next(c for c in text if not c.isascii())
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"


def _lookalike_words(text: str) -> str:
    """What the first character beyond ASCII of ``text`` (one with an ASCII look-alike, or
    an invisible one) is."""
    import unicodedata

    char = next(c for c in text if not c.isascii())
    kind = "digit" if unicodedata.normalize("NFKC", char).isdigit() else "letter"
    what = f"is not the ASCII {kind} it looks like" if char.isprintable() else \
        "is a character a terminal does not show"  # fmt: skip
    return f"{_char_named(text)} {what}"


def _non_ascii_key(arg: str, key: str, name: str) -> str:
    """`unquoted_non_ascii`'s words for the override ``arg`` whose key ``key`` (the name
    ``name``) holds a character beyond ASCII: which one (a Cyrillic 'а' in ``trаin.lr`` is
    shown as train.lr's 'a', so "'trаin.lr' is none" named no difference one could see), and
    the override to type where each such character looks like an ASCII one (`_ascii_typed`)."""
    said = (f"{_said(arg)}: a key is a name in ASCII (letters, digits, '_', '.'), and "
            f"{clipped(shell_word(name))} is none")  # fmt: skip
    typed = _ascii_typed(key)
    if typed is None:  # (a byte that is no UTF-8: shown as bash's $'\xff' already)
        its = "" if any(map(_not_utf8, name)) else f" (its {_char_named(name)})"
        return (f"{said}{its}; no key of mia-defense's is named so (mia-train --cfg job "
                "lists them)")  # fmt: skip
    return (f"{said}: {_lookalike_words(name)}; type it in ASCII: "
            f"{clipped(shell_word(typed + arg[len(key):]))}")


def control_character(args: Sequence[str]) -> str | None:
    """The message for the first override of ``args`` that holds a control character (a
    line end, a tab, a terminal escape: ``$'train.lr=0.1\\n'``, a value pasted with its line
    end), or ``None``. Outside quotes Hydra's grammar stopped on it with its lexer's
    "LexerNoViableAltException", pointing past what a terminal shows; inside quotes it went
    into the value (``hydra.run.dir="runs/a<newline>b"``: a run folder named over two
    lines, printed as such)."""
    import unicodedata

    for arg in args:
        if arg.startswith("-") or ("=" not in arg and not arg.startswith("~")):
            continue
        char = next((c for c in arg if unicodedata.category(c) == "Cc"), None)
        if char is None:
            continue
        key = arg.split("=", 1)[0]
        if char in key:
            return (f"{_said(arg)}: a control character ({char!r}) in the override's "
                    "key, a name of letters, digits, '_' and '.'; remove it")  # fmt: skip
        name = key.lstrip("+~").split("@", 1)[0]
        if (name in _COLUMN_KEYS or name.startswith("dataset.categories.")) and (
                column := _column_control(arg, char)) is not None:  # fmt: skip
            return column
        return (f"{_said(arg)}: a control character ({char!r}) in the value of "
                f"{clipped(key.lstrip('+~'))}; no setting of mia-defense's holds one (Hydra's "
                "grammar stops on it outside quotes; inside them it would be part of the value, a "
                "folder's name over two lines); remove it (a line end or tab pasted with the "
                "value)")  # fmt: skip
    return None


# The settings whose values are a data file's names: a CSV's columns', a column's
# categories, an .npz's arrays'
_COLUMN_KEYS = frozenset({"dataset.drop_columns", "dataset.label_column", "dataset.categories",
                          "dataset.x_key", "dataset.y_key"})


def _column_control(arg: str, char: str) -> str | None:
    """The refusal of a setting of `_COLUMN_KEYS` holding the control character ``char``: a
    column's name may hold one (a header's cell over two lines, a terminal's escape), and
    it is written with escapes (`mia_defense.data.checks.typed_name`, which the loader reads
    back): ``dataset.drop_columns="x\\x1b[2Jz"``; ``None`` where Hydra cannot read that
    either (a quoted key of a mapping). No command line carries the character itself: a
    sweep printed it raw and named its runs' folders with it."""
    import re
    import unicodedata

    from mia_defense.constraints import _ansi_c

    key, value = arg.split("=", 1)
    # (a backslash doubled, as `typed_name` writes it, but one escaping Hydra's quote)
    spelt = "".join(_ansi_c(c) if unicodedata.category(c) == "Cc" else c
                    for c in re.sub(r"\\(?!['\"])", r"\\\\", value))  # fmt: skip
    typed = f"{key}={spelt}"
    if parsed_override(typed) is None and not spelt.startswith(("'", '"', "[", "{")):
        typed = f"{key}={hydra_quoted(spelt, quote=chr(34))}"  # (x\x1b[2Jz: '[' unquoted)
    if parsed_override(typed) is None:
        return None
    what = ("an array's name" if key.lstrip("+~") in ("dataset.x_key", "dataset.y_key")
            else "a column's name or category")
    return (f"{_said(arg)}: a control character ({char!r}) in the value of "
            f"{clipped(key.lstrip('+~'))}, which the command line cannot carry (a sweep "
            f"would print it raw and name its runs' folders with it); {what} holding one is "
            f"written with escapes: {clipped(shell_word(typed))}")


def _leaves(key: str, value: Any) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of each value an override sets: a dict's entries are set one
    by one (``attack.queries={repeats:3}`` merges into the node: it sets
    ``attack.queries.repeats``), a list or a scalar as a whole."""
    if isinstance(value, dict) and value:
        for name, item in value.items():
            yield from _leaves(f"{key}.{name}", item)
    else:
        yield key, value


def repeated_keys(args: Sequence[str], *, where: str = "on the command line") -> list[str]:
    """A warning for each key that two overrides of ``args`` set to different values
    (``train.epochs=3 train.epochs=5``, ``model=cnn model=mlp``, ``+x=1 ++x=2``,
    ``attack.queries.repeats=2 'attack.queries={repeats:3}'``): Hydra keeps the last
    without a word. Warned, not refused: a base list of overrides followed by one's own
    change (``mia-train $BASE train.epochs=50``) is an ordinary way to script runs, and
    the run records the value it used. A key swept (``-m seed=1,2 seed=3``) is left to
    `refuse_repeated_sweep_keys`, but one a later mapping sets (``train.lr=0.1,0.2
    'train={lr: 0.3}'``: every run used 0.3) is warned of (`_sweep_set_again`); a deletion
    (``~key``) sets nothing. ``where``: where the
    overrides were given (the API's ``overrides=[...]`` warns through this too)."""
    seen: dict[str, list[tuple[str, Any]]] = {}
    swept: dict[str, str] = {}  # (a swept key: its sweep, as given)
    warnings = []
    for arg, override in parsed_overrides(args):
        if override.is_delete():
            continue
        key = override.key_or_group + (f"@{override.package}" if override.package else "")
        if override.is_sweep_override():
            swept[key] = arg
            continue
        for leaf, value in _leaves(key, override.value()):
            seen.setdefault(leaf, []).append((arg, value))
            if leaf in swept and leaf != key:  # (train={lr: 0.3} after train.lr=0.1,0.2)
                warnings.append(_sweep_set_again(swept[leaf], arg, leaf, value))
    for leaf, given in seen.items():
        values = [value for _, value in given]
        if any(v != values[0] for v in values[1:]) and leaf not in swept and not any(
            leaf.startswith(f"{key}.") for key in swept
        ):
            # (each cut: a value of 100,000 characters was said three times whole)
            texts = " ".join(dict.fromkeys(_said(arg) for arg, _ in given))
            shown = [clipped(repr(v) if isinstance(v, str) else str(v)) for v in values]
            named = key_shown(leaf)
            warnings.append(
                f"{texts}: {named} is given {len(given)} times {where} "
                f"({', then '.join(shown)}); Hydra keeps the last, so the run uses "
                f"{named}={shown[-1]}. Give {named} once to silence this"
            )
    return warnings


def _sweep_set_again(sweep: str, arg: str, leaf: str, value: Any) -> str:
    """`repeated_keys`' warning of a swept key ``leaf`` that a later mapping ``arg`` sets
    (``train.lr=0.1,0.2 train={lr: 0.3}``): each run of the sweep applies its overrides in
    order, so every run used 0.3, in folders named after the swept values."""
    shown = repr(value) if isinstance(value, str) else str(value)
    return (f"{sweep} {arg}: {leaf} is swept, then set by {arg}, which Hydra applies after the "
            f"sweep's value in each run, so every run of the sweep uses {leaf}={shown} (its "
            f"folders named after the swept values). Give {leaf} once")
