"""Command-line arguments of mia-train and mia-attack refused before Hydra reads them: what
Hydra would answer with a traceback, run with a key nothing reads, or build before any check
of ours (a flag that unpickles a file, a null config group, a misspelt key, a missing
plugin, a forbidden ``_target_`` in a ``hydra.*`` override). Each refusal prints one line
and exits 2."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from mia_defense.cli.commands import shell_word
from mia_defense.cli.entry import EXIT_USER_ERROR
from mia_defense.config_keys import (
    FIXED_GROUPS,
    misspelt_group_key,
    misspelt_group_key_message,
)
from mia_defense.override_checks import (
    control_character,
    misspelt_key,
    misspelt_key_problem,
    null_group_override,
    null_group_problem,
    override_choices,
    parsed_override,
    repeated_keys,
    unnamed_group_choice,
    unquoted_non_ascii,
)

__all__ = [
    "bare_word",
    "completion_refusal",
    "missing_plugin",
    "misspelt_key",
    "misspelt_key_problem",
    "mode_flags_refusal",
    "null_group_override",
    "null_group_problem",
    "refuse_bare_words",
    "refuse_hydra_targets",
    "refuse_missing_plugins",
    "refuse_misspelt_group_keys",
    "refuse_misspelt_keys",
    "refuse_misused_flags",
    "refuse_null_groups",
    "refuse_shadowed_configs",
    "refuse_unexpanded_home",
    "refuse_unknown_hydra_keys",
    "refuse_unquoted_non_ascii",
    "repeated_keys",
    "rerun_refusal",
    "shadowed_configs",
    "unexpanded_home",
    "unknown_hydra_key",
    "unnamed_group_choice",
    "unquoted_non_ascii",
    "warn_ineffective_overrides",
]


def refuse_misused_flags(args: Sequence[str], *, tool: str = "mia-train") -> None:
    """Exit 2 with one line on Hydra's ``--experimental-rerun``, which unpickles a file, on
    two of Hydra's commands at once (``-m --cfg job``) and on a ``--shell-completion`` Hydra
    would answer with a traceback."""
    message = (rerun_refusal(args) or mode_flags_refusal(args, tool=tool)
               or completion_refusal(args, os.environ, tool=tool))  # fmt: skip
    if message is not None:
        print(message, file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def rerun_refusal(args: Sequence[str]) -> str | None:
    """The message for Hydra's ``--experimental-rerun FILE`` in ``args``, or ``None``: it
    unpickles FILE (``.hydra/config.pickle``), which runs any code the file holds."""
    if not any(a == "--experimental-rerun" or a.startswith("--experimental-rerun=") for a in args):
        return None
    return ("ConfigError: --experimental-rerun: not supported; it unpickles the file it is "
            "given, which can run any code. Run the same command again instead (a finished "
            "run is found and kept; results.json holds its config)")  # fmt: skip


# Hydra's commands, of which it takes one at a time: (long flag, short flag).
_MODE_FLAGS = (("--run", "-r"), ("--multirun", "-m"), ("--cfg", "-c"), ("--info", "-i"),
               ("--shell-completion", "-sc"))  # fmt: skip


def mode_flags_refusal(args: Sequence[str], *, tool: str = "mia-train") -> str | None:
    """The message for two of Hydra's commands at once in ``args`` (``-m ... --cfg job``),
    or ``None``: Hydra stopped there with a ValueError traceback."""
    given = [
        long for long, short in _MODE_FLAGS
        if any(a in (long, short) or a.startswith(f"{long}=") for a in args)
    ]  # fmt: skip
    if len(given) < 2:
        return None
    return (f"ConfigError: {' and '.join(given)}: {tool} takes one of "
            f"{', '.join(f'{long} ({short})' for long, short in _MODE_FLAGS)} at a time; "
            f"e.g. {tool} -m ... to run a sweep, {tool} --cfg job ... to print the config "
            "of a run")  # fmt: skip


_SHELLS = ("bash", "fish", "zsh")
_COMPLETION_COMMANDS = ("install", "uninstall", "query")


def completion_refusal(
    args: Sequence[str], environ: Mapping[str, str], *, tool: str = "mia-train"
) -> str | None:
    """The message for a ``--shell-completion`` (``-sc``) in ``args`` that Hydra would stop
    on with a traceback, or ``None``: it takes one of ``install=SHELL``, ``uninstall=SHELL``
    or ``query=SHELL``, and a query is the shell's own call (it sets ``COMP_LINE``)."""
    if not any(a in ("-sc", "--shell-completion") for a in args):
        return None
    commands = [a for a in args if a.partition("=")[0] in _COMPLETION_COMMANDS]
    usage = (
        f"give one of {', '.join(c + '=SHELL' for c in _COMPLETION_COMMANDS)} with SHELL one "
        f'of {", ".join(_SHELLS)}, e.g. eval "$({tool} -sc install=bash)"'
    )
    if len(commands) != 1 or commands[0].partition("=")[2] not in _SHELLS:
        return f"ConfigError: --shell-completion: {' '.join(commands) or 'no command'}; {usage}"
    if commands[0].startswith("query=") and "COMP_LINE" not in environ:
        return (
            f"ConfigError: --shell-completion {commands[0]}: the shell makes this call itself "
            f"as you press Tab (it sets COMP_LINE); to set completion up, {usage}"
        )
    return None


# Hydra's options that take a value (``--cfg job``); ``--info`` may take one of _INFO.
_VALUED = frozenset({"--cfg", "-c", "--package", "-p", "--config-path", "-cp",
                     "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"})
_INFO = frozenset({"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"})


def option_after_overrides(args: Sequence[str], *, tool: str = "mia-train") -> str | None:
    """The message for one of Hydra's options between two overrides (``launcher=joblib -m
    seed=1,2``), or ``None``: argparse takes the overrides before it as all of them and
    stopped on the rest with "unrecognized arguments: seed=1,2", which did not say why."""
    if any(a in ("-sc", "--shell-completion") for a in args):
        return None  # (its install=SHELL is no override)
    overrides: list[int] = []
    previous = ""
    for i, arg in enumerate(args):
        value = previous in _VALUED or (previous in ("--info", "-i") and arg in _INFO)
        if not value and not arg.startswith("-"):
            overrides.append(i)
        previous = "" if value else arg
    for i, arg in enumerate(args):
        if arg.startswith("-") and overrides and overrides[0] < i < overrides[-1]:
            options = [a for j, a in enumerate(args) if j not in overrides]
            rest = [args[j] for j in overrides]
            return (f"ConfigError: {shell_word(arg)} after the override "
                    f"{shell_word(args[overrides[0]])}: options go before every override (Hydra "
                    "reads the overrides as one list, and stopped on those after "
                    f"{shell_word(arg)} as unrecognized arguments); write "
                    f"{tool} {' '.join(map(shell_word, options + rest))}")
    return None


def refuse_option_after_overrides(args: Sequence[str]) -> None:
    """Exit 2 with `option_after_overrides`' message."""
    message = option_after_overrides(args)
    if message is not None:
        print(message, file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def bare_word(
    args: Sequence[str], *, tool: str = "mia-train", known: Collection[str] | None = None
) -> str | None:
    """The message for an argument of ``args`` that is neither an option, an option's value
    nor an override (``mia-train nothere``; ``mia-attack run nothere``, its PATH taken out),
    or ``None``: Hydra said only "missing EQUAL at '<EOF>'". A word that reads as a key is
    given back as its override (``plan.num_models=VALUE``), a misspelt first name corrected
    (`misspelt_key`); ``known``: the tool's groups and top-level keys (``None``: mia-train's)."""
    if any(a in ("-sc", "--shell-completion") for a in args):
        return None  # (its install=SHELL is no override)
    previous = ""
    for arg in args:
        value = previous in _VALUED or (previous in ("--info", "-i") and arg in _INFO)
        previous = "" if value else arg
        if value or arg.startswith(("-", "~")) or "=" in arg:
            continue  # (~key deletes a key: an override without =)
        from mia_defense.cli.commands import shell_path

        example = "attack.bootstrap=0" if tool == "mia-attack" else "train.lr=0.01"
        key = arg.lstrip("+")
        if key and all(part.isidentifier() for part in key.split(".")):
            close = misspelt_key([f"{key}=VALUE"], known)
            first, dot, rest = key.partition(".")
            if (close and close[2]) or dot:
                example = f"{close[2] if close and close[2] else first}{dot}{rest}=VALUE"
        where = ("no file or folder of that name (PATH, the source, comes first and once)"
                 if tool == "mia-attack" else
                 "no file or folder of that name, and mia-train takes no PATH")  # fmt: skip
        if tool != "mia-attack" and _on_disk(arg):
            where = "mia-train takes no PATH (a run folder is hydra.run.dir=PATH)"
        from mia_defense.constraints import shown_path

        return (f"{shown_path(shell_path(arg))}: {where}; an override is KEY=VALUE, e.g. "
                f"{example} (keys: {tool} --cfg job)")
    return None


def _on_disk(arg: str) -> bool:
    """Whether ``arg`` names an existing file or folder (a text no file can be: no)."""
    try:
        return os.path.lexists(arg)
    except (OSError, ValueError):
        return False


def refuse_bare_words(
    args: Sequence[str], *, tool: str = "mia-train", known: Collection[str] | None = None
) -> None:
    """Exit 2 with `bare_word`'s message."""
    message = bare_word(args, tool=tool, known=known)
    if message is not None:
        print(f"ConfigError: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def refuse_null_groups(args: Sequence[str]) -> None:
    """Exit 2 with one line on an override that selects null, a number or true/false for a
    config group, or that names no key (`null_group_problem`); and on a ``+GROUP=NAME``
    beside another override selecting GROUP, which Hydra may compose without it
    (`added_group_problem`)."""
    message = null_group_problem(args)
    if message is None and any(str(arg).lstrip().startswith("+") for arg in args):
        # (read only where a '+' is given: mia-train --help imports none of it)
        from mia_defense.defaults_list_refusals import added_group_problem

        message = added_group_problem(args)
    if message is not None:
        print(f"ConfigError: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def refuse_hydra_targets(args: Sequence[str]) -> None:
    """Exit 2 with one line on a ``hydra.*`` override whose value names a ``_target_`` that
    `mia_defense.config.check_config` refuses elsewhere (``'+hydra.callbacks.x={_target_:
    shutil.copy, ...}'``): Hydra builds its callbacks, and a sweeper's nested targets, before
    any check of ours runs. (A config file that sets them is not seen here.) Also exits 2 on
    a sweep inside a mapping or list of any override (``'+hydra.sweeper.params={train.lr:
    interval(0.01, 0.1)}'``, the range unquoted), which no setting can hold: it stopped the
    check with omegaconf's traceback ('Unexpected type annotation: Set[str]')."""
    nodes: dict[str, Any] = {}
    for arg, key, choices in override_choices(args):
        nested = _nested_sweep(choices)
        if nested is not None:  # (Hydra cannot store one: a traceback from the check below)
            inner, sweep = nested
            print(f"ConfigError: {arg}: {sweep} inside a {{...}} or [...] value is a sweep, "
                  f"which no value there can hold; write it in quotes ({{{inner}: "
                  f"\"{sweep}\"}}: a search space reads its ranges from text), or sweep a "
                  f"key by itself (-m {inner}='{sweep}')", file=sys.stderr)
            raise SystemExit(EXIT_USER_ERROR)
        if key != "hydra" and not key.startswith("hydra."):
            continue
        trees = [c for c in choices if isinstance(c, (dict, list))]
        # each value of a sweep (-m 'hydra.x={...},{...}') is checked, under its own name
        nodes.update({key if len(trees) == 1 else f"{key}[{i}]": c for i, c in enumerate(trees)})
    if not nodes:
        return
    from mia_defense.errors import ConfigError
    from mia_defense.targets import refuse_forbidden_targets

    try:
        refuse_forbidden_targets(nodes, where="hydra override")
    except ConfigError as exc:
        print(f"ConfigError: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None


def _nested_sweep(choices: Sequence[Any]) -> tuple[str, str] | None:
    """The first sweep (``interval(0, 1)``, ``range(1, 3)``, ``choice(...)``) that Hydra's
    parser read inside a mapping or list of ``choices``: the key (or index) holding it and
    the sweep as written back; ``None`` where there is none."""
    from hydra.core.override_parser.types import Sweep

    stack = [c for c in choices if isinstance(c, (dict, list))]
    while stack:
        node = stack.pop()
        for inner, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, Sweep):
                return str(inner), _sweep_text(value)
            if isinstance(value, (dict, list)):
                stack.append(value)
    return None


def _sweep_text(sweep: Any) -> str:
    """A sweep as an override writes it (``interval(0.01, 0.1)``)."""
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

    if isinstance(sweep, IntervalSweep):
        return f"interval({sweep.start}, {sweep.end})"
    if isinstance(sweep, RangeSweep):
        return f"range({sweep.start}, {sweep.stop}, {sweep.step})"
    if isinstance(sweep, ChoiceSweep):
        return f"choice({', '.join(map(repr, sweep.list))})"
    return "a sweep"


def refuse_misspelt_group_keys(
    args: Sequence[str], *, tool: str = "mia-train", groups: Sequence[str] = FIXED_GROUPS
) -> None:
    """Exit 2 with one line on an override of a misspelt key of ``groups``
    (`misspelt_group_key`); ``tool`` is named for the list of keys."""
    nested = misspelt_group_key(args, groups)
    if nested is not None:
        print(f"ConfigError: {nested[0]}: {misspelt_group_key_message(nested)} (keys: {tool} "
              "--cfg job)", file=sys.stderr)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)


def refuse_misspelt_keys(
    args: Sequence[str], *, tool: str = "mia-train", groups: Sequence[str] = FIXED_GROUPS,
    known: Collection[str] | None = None,
) -> None:
    """Exit 2 with one line on an override whose group or key is misspelt: a key of
    ``groups`` (`refuse_misspelt_group_keys`), or a first name not in ``known``
    (`misspelt_key`; ``None``: mia-train's)."""
    refuse_misspelt_group_keys(args, tool=tool, groups=groups)
    where = "groups: the folders of conf/; keys: mia-train" if known is None else f"keys: {tool}"
    message = misspelt_key_problem(args, known, listed=f"{where} --cfg job")
    if message is not None:
        print(f"ConfigError: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


# The Hydra plugin each launcher or search needs: (its module, how to install it).
_SWEEP = 'pip install "mia-defense[sweep]"'
_PLUGINS = {
    "joblib": ("hydra_plugins.hydra_joblib_launcher", _SWEEP),
    "optuna": ("hydra_plugins.hydra_optuna_sweeper", _SWEEP),
    "submitit": ("hydra_plugins.hydra_submitit_launcher", 'pip install "mia-defense[slurm]"'),
    "ray": ("hydra_plugins.hydra_ray_launcher", 'make install-ray, or pip install '
            '"mia-defense[ray]"'),
}  # fmt: skip
_PLUGIN_GROUPS = ("launcher", "hydra/launcher", "hparams_search", "hydra/sweeper")


def missing_plugin(args: Sequence[str]) -> tuple[str, str] | None:
    """The first override of ``args`` that selects a launcher or search whose Hydra plugin
    is not installed (``launcher=ray``): ``(override, how to install it)``. Hydra said only
    "Could not find 'hydra/launcher/ray'" and listed the others."""
    from importlib.util import find_spec

    for arg, key, choices in override_choices(args):
        if key.lstrip("+~") not in _PLUGIN_GROUPS:
            continue
        for choice in choices:
            for name, (module, install) in _PLUGINS.items():
                if name in str(choice) or (key.endswith("hparams_search") and name == "optuna"):
                    with contextlib.suppress(ImportError, ValueError):
                        if find_spec(module) is not None:
                            continue
                    return arg, install
    return None


def refuse_missing_plugins(args: Sequence[str]) -> None:
    """Exit 2 with one line on a launcher or search whose plugin is not installed."""
    found = missing_plugin(args)
    if found is None:
        return
    arg, install = found
    print(f"ConfigError: {arg}: its Hydra plugin is not installed; install it ({install}) "
          "or leave it out (the basic launcher runs the sweep's runs one after another)",
          file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def unknown_hydra_key(args: Sequence[str]) -> tuple[str, str, list[str]] | None:
    """The first ``+hydra.KEY=...`` (or ``++``) of ``args`` that adds a key Hydra's own
    settings do not have (``+hydra.run.dri=/x``): ``(override, key, the known keys there)``.
    Hydra adds it and never reads it: the run went to the default folder. Only the typed
    parts of Hydra's config are known here (not a launcher's, sweeper's, logging's or
    callbacks' keys, nor ``hydra.job.env_set``)."""
    import dataclasses
    import typing

    from hydra.conf import HydraConf

    for arg in args:
        if not arg.startswith("+") or "=" not in arg:
            continue
        key = arg.lstrip("+").split("=", 1)[0].strip()
        parts = key.split(".")
        if parts[0] != "hydra" or len(parts) < 2:
            continue
        schema: Any = HydraConf
        for depth, name in enumerate(parts[1:], start=1):
            if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
                break  # a node of any keys (a plugin's, a dict): not known here
            fields = {f.name: f for f in dataclasses.fields(schema)}
            if name not in fields:
                return arg, ".".join(parts[: depth + 1]), sorted(fields)
            hints = typing.get_type_hints(schema)
            schema = hints.get(name)
    return None


def refuse_unknown_hydra_keys(args: Sequence[str]) -> None:
    """Exit 2 with one line on a ``+hydra.KEY=...`` that Hydra's settings do not have."""
    from mia_defense.errors import closest

    found = unknown_hydra_key(args)
    if found is None:
        return
    arg, key, known = found
    name = key.rsplit(".", 1)[-1]
    close = closest(name, known)
    hint = f"did you mean {key.rsplit('.', 1)[0]}.{close}?" if close else \
        f"its keys there: {', '.join(known)}"  # fmt: skip
    print(f"ConfigError: {arg}: Hydra has no setting {key}, so it would be added and never "
          f"read; {hint} (mia-train --cfg hydra shows Hydra's settings)", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def unexpanded_home(args: Sequence[str]) -> str | None:
    """The first ``key=~/...`` override of ``args`` that Hydra's grammar cannot read, or
    ``None``: the shell expands ``~`` only at the start of a word, not after ``key=``, and
    Hydra then stopped with its lexer's "LexerNoViableAltException", which does not say why."""
    for arg in args:
        if arg.startswith("-") or "=" not in arg or "~" not in arg.split("=", 1)[1][:1]:
            continue
        if parsed_override(arg) is None:
            return arg
    return None


def refuse_unexpanded_home(args: Sequence[str]) -> None:
    """Exit 2 with one line on ``key=~/path``, which the shell left unexpanded."""
    arg = unexpanded_home(args)
    if arg is None:
        return
    key, value = arg.split("=", 1)
    # a sweep's list of home paths (-m 'source=~/a.npz,~/b.npz'): each its $HOME, not the first
    items = [i.strip() for i in value.split(",")] if re.search(r",\s*~/", value) else [value]
    parts = [("$HOME", item[1:] if item.startswith("~/") else "/...") if item.startswith("~")
             else ("", item) for item in items]  # fmt: skip
    home = f"{key}=" + ",".join(pre + rest for pre, rest in parts)
    if not all(re.fullmatch(r"[\w./-]*", rest, re.ASCII) for _, rest in parts) and all(
            rest.isprintable() and not (set(rest) & set("\"$`\\!'")) for _, rest in parts):
        # (a space, a comma, é: quoted for Hydra; the shell's double quotes expand $HOME)
        home = f'"{key}=' + ",".join(f"'{pre}{rest}'" for pre, rest in parts) + '"'
    print(f"ConfigError: {arg}: the shell expands '~' only at the start of a word, not after "
          f"'{key}=', so the path reached mia-defense as {value!r}, which Hydra cannot read; "
          f"write {home} or the full path", file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def refuse_unquoted_non_ascii(args: Sequence[str]) -> None:
    """Exit 2 with one line on a value Hydra cannot read for a character beyond ASCII, or
    on an override holding a control character (`control_character`)."""
    message = control_character(args) or unquoted_non_ascii(args)
    if message is not None:
        print(f"ConfigError: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def shadowed_configs(args: Sequence[str], *, config_name: str = "config") -> str | None:
    """The message for config files of one's own folders (``--config-dir DIR``,
    ``hydra.searchpath=[file://DIR]``) that Hydra would not read: it looks for each config
    in mia-defense's packaged ones first (they lead its search path), so a ``DIR/config.yaml``
    or ``DIR/model/mlp.yaml`` that differs from the packaged file of that name was silently
    passed over, and the run used the packaged one. ``None``: none such. ``config_name``:
    the primary config (``--config-name`` where given); other top-level files are no
    concern (read only when named). A ``--config-path`` that would replace the packaged
    configs, or be read beside the code, is named first (`_config_path_problem`)."""
    folders: list[str] = []
    primary, named = config_name, ""
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in ("--config-path", "-cp"):
            given = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            problem = _config_path_problem(given)
            if problem is not None:
                from mia_defense.constraints import shown_path

                return f"ConfigError: {name} {shown_path(given)}: {problem}"
        if name in ("--config-dir", "-cd", "--config-name", "-cn"):
            given = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            if name in ("--config-name", "-cn"):
                problem = _config_name_problem(given)
                if problem is not None:
                    return f"ConfigError: {name} {problem}"
                problem = _group_option_problem(given, primary=config_name)
                if problem is not None:
                    return f"ConfigError: {name} {given}: {problem}"
                config_name, named = given, name
            else:
                folders.append(given)
        elif name.lstrip("+") == "hydra.searchpath":
            override = parsed_override(arg)
            paths = override.value() if override is not None else None
            folders += [str(p)[len("file://"):] for p in paths or []
                        if isinstance(p, str) and p.startswith("file://")]  # fmt: skip
    problem = _own_config_base_problem(folders, config_name, primary=primary)
    if problem is not None:
        return f"ConfigError: {named} {config_name}: {problem}"
    if not any(folders):
        return None
    from importlib.resources import files

    from mia_defense.cli.commands import shell_path

    packaged = files("mia_defense.conf")
    shadowed: list[str] = []
    from mia_defense.constraints import shown_path
    from mia_defense.files import path_text_problem

    for folder in filter(None, folders):
        problem = path_text_problem(folder)  # (a name of 300 bytes: an OSError traceback)
        if problem is not None:
            return (f"ConfigError: config folder {shown_path(shell_path(folder))} "
                    f"(--config-dir, hydra.searchpath): {problem}; give the folder of your "
                    "own configs")  # fmt: skip
        root = Path(folder)  # (as Hydra reads it: a '~' left by the shell is a folder '~')
        candidates = [root / f"{config_name}.yaml", *(
            root / group.name / own.name for group in packaged.iterdir()
            if group.is_dir() and (root / group.name).is_dir()
            for own in (root / group.name).iterdir() if own.suffix == ".yaml")]  # fmt: skip
        for own in candidates:
            theirs = packaged.joinpath(*own.relative_to(root).parts)
            try:
                differs = own.is_file() and theirs.is_file() and \
                    own.read_bytes() != theirs.read_bytes()  # fmt: skip
            except OSError:
                continue  # (unreadable: Hydra names what it cannot read)
            if differs:
                shadowed.append(own)
    if not shadowed:
        return None
    # (the path, not its quoted form: a folder 'my conf' was "'/x/my conf/config.yaml'",
    # which does not end in '/config.yaml', so a shadowed config.yaml got the group example)
    example = ("--config-name my_config for my_config.yaml" if shadowed[0].name ==
               f"{config_name}.yaml" else "model=my_mlp for model/my_mlp.yaml")  # fmt: skip
    shown = [shell_path(str(own)) for own in shadowed[:5]]
    return (f"ConfigError: {', '.join(shown)}{' ...' if len(shadowed) > 5 else ''}: "
            f"not read; Hydra looks for each config in mia-defense's own configs first and "
            f"finds a file of {'that name' if len(shadowed) == 1 else 'those names'} there, "
            f"so the run would use the packaged one, not yours; nothing was run. Give yours "
            f"a name of its own and select it (e.g. {example})")


def _config_path_problem(given: str) -> str | None:
    """Why ``--config-path GIVEN`` would not run (``None``: it may): it replaces the packaged
    configs (Hydra then stopped on "Could not find 'hydra/default'"), and a relative one is
    read beside mia-defense's code, not in the working folder (Hydra's rule)."""
    if given.startswith("pkg://"):
        return None
    if not os.path.isabs(given):
        where = "is read beside mia-defense's code (Hydra's rule for a relative one), not here"
    elif not os.path.isfile(os.path.join(given, "hydra", "default.yaml")):
        where = ("replaces mia-defense's own configs with this folder's, which lacks their "
                 "groups (no hydra/default.yaml, whose callbacks check each run)")
    else:
        return None
    return (f"{where}; nothing was run. Add your folder to mia-defense's configs with "
            "--config-dir DIR instead (--config-name NAME for a primary config of yours)")


def _config_name_problem(given: str) -> str | None:
    """Why ``--config-name GIVEN`` can name no config file (a name longer than the file
    system takes, a NUL: `files.path_text_problem` of its file, GIVEN.yaml), in words that
    follow the option, or ``None``: Hydra stat-ed it in each config folder and ended in an
    OSError traceback, 'File name too long'."""
    from mia_defense.files import path_text_problem

    problem = path_text_problem(f"{given.removesuffix('.yaml')}.yaml")
    if problem is None:
        return None
    from mia_defense.constraints import shown_path

    return (f"{shown_path(given)}: its file, NAME.yaml, {problem}; nothing was run. Give the "
            "name of a config of yours (NAME for NAME.yaml in --config-dir DIR)")


def _group_option_problem(given: str, *, primary: str = "config") -> str | None:
    """Why ``--config-name GROUP/NAME`` names no primary config (``None``: it may): it is an
    option of one of mia-train's config groups (``model/mlp``, ``experiment/tradeoff_dp``),
    which Hydra read as the whole config and refused with advice about a primary config's
    defaults ('keep - hydra: default') or "Could not override 'defense'". ``primary``: the
    tool's own (mia-attack's, ``mia_attack``, selects only attack=; the rest is its run's).
    mia-attack's ``--config-name config`` names mia-train's packaged config (which leads its
    search path), whose every run setting mia-attack then refused, a line each (h528)."""
    group, slash, option = given.removesuffix(".yaml").partition("/")
    if not slash and group == "config" and primary != "config":
        return (f"mia-train's config (a run's dataset, model, training), not mia-attack's; "
                f"nothing was run. mia-attack runs {primary} (drop --config-name), or a "
                f"config of one's own built on it ('defaults: [{primary}, _self_]' in "
                f"--config-dir DIR)")
    if not slash or "/" in option or group == "hydra":
        return None
    from importlib.resources import files

    import yaml

    conf = files("mia_defense.conf")
    if not conf.joinpath(group, f"{option}.yaml").is_file():
        return None
    start = f"an option of the config group {group!r}, not a primary config"
    if primary != "config":  # mia-attack
        return (f"{start}; select it as a group instead: mia-attack PATH {group}={option} "
                "(drop --config-name)" if group == "attack" else
                f"{start}; mia-attack reads the run's {group} from its source (PATH): drop "
                "--config-name")  # fmt: skip
    defaults = yaml.safe_load(conf.joinpath("config.yaml").read_text()).get("defaults", [])
    chosen = any(isinstance(entry, dict) and group in entry for entry in defaults)
    select = f"{'' if chosen else '+'}{group}={option}"
    return (f"{start} (one holding a whole run's settings); select it as a group instead: "
            f"mia-train {select} (drop --config-name)")


def _own_config_base_problem(folders: Sequence[str], given: str, *, primary: str) -> str | None:
    """Why mia-attack's ``--config-name GIVEN`` of one's own folder (``--config-dir DIR``)
    would not run (``None``: it may, or it is no concern): its defaults list names mia-train's
    config, whose every run setting mia-attack then refused, a line each, or with PATH "no
    config group or key 'source'" (h532; the packaged ``config``: `_group_option_problem`),
    itself or through the plain entries (``- mid``) of one's own files it names, a few levels
    deep (h539). Each name is read where Hydra finds it: a packaged config first (not one's
    own, no concern), else the first folder holding it; a file that does not parse is left
    to Hydra's words."""
    if primary == "config" or not folders:
        return None
    from importlib.resources import files

    import yaml

    def own_file(name: str) -> Path | None:  # (None: packaged, or no folder holds it)
        if name == primary or files("mia_defense.conf").joinpath(f"{name}.yaml").is_file():
            return None
        return next((Path(folder) / f"{name}.yaml" for folder in filter(None, folders)
                     if (Path(folder) / f"{name}.yaml").is_file()), None)  # fmt: skip

    first = given.removesuffix(".yaml")
    chain: list[tuple[str, Path]] = []
    todo = [first]
    while todo and len(chain) < 8:
        name = todo.pop(0)
        own = None
        try:
            own = own_file(name)
            if own is None or any(own == seen for _, seen in chain):
                continue
            defaults = (yaml.safe_load(own.read_text(encoding="utf-8")) or {}).get("defaults")
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
            return None
        chain.append((name, own))
        group = name.rpartition("/")[0]
        # (a plain entry is read in its file's group: 'config' of a subfolder is that
        # subfolder's; '/config' is ours)
        entries = [entry.removesuffix(".yaml").lstrip("/") if entry.startswith("/")
                   else f"{group}/{entry.removesuffix('.yaml')}".lstrip("/")
                   for entry in defaults if isinstance(entry, str) and entry != "_self_"
                   ] if isinstance(defaults, list) else []  # fmt: skip
        if "config" not in entries:
            todo += entries
            continue
        from mia_defense.cli.commands import shell_path

        shown = shell_path(str(chain[0][1]))
        through = "" if own == chain[0][1] else f"through {shell_path(str(own))}, whose "
        where = "it" if own == chain[0][1] else shell_path(str(own))
        return (f"{shown} is built on mia-train's config ({through or 'its '}defaults list "
                f"names config: a run's dataset, model, training), not on {primary}; nothing "
                f"was run. Write 'defaults: [{primary}, _self_]' in {where} instead "
                "(mia-attack reads the run's settings from its source, PATH)")
    return None


def refuse_shadowed_configs(args: Sequence[str], *, config_name: str = "config") -> None:
    """Exit 2 with `shadowed_configs`' message."""
    message = shadowed_configs(args, config_name=config_name)
    if message is not None:
        print(message, file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def warn_ineffective_overrides(args: Sequence[str]) -> None:
    """One WARNING line on stderr, before anything runs, for each override that changes
    less than it seems: a key set again (`repeated_keys`). (An empty mapping merged into a
    node that holds entries is refused as Hydra composes:
    `composed_overrides.empty_mapping_problems`.)"""
    for message in repeated_keys(args):
        print(f"WARNING: {message}", file=sys.stderr)
