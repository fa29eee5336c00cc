"""Hydra's own config nodes run no code that a run's config could not.

`mia_defense.config.check_config` refuses a ``_target_`` of the standard library (and the
like) in a run's config before anything of it is built. Hydra builds some nodes of its own
config first, before any check of ours can run:

- ``hydra.callbacks``: every one is instantiated right after the config is composed;
- a sweeper's or launcher's nested objects (the Optuna sweeper's ``sampler``);
- the handlers, formatters and filters of ``hydra.hydra_logging`` and ``hydra.job_logging``
  (``class`` and ``()`` of `logging.config.dictConfig`, which call what they name).

These can come from a config file as well as from the command line: an experiment file
someone shared (``+experiment=...`` with ``hydra.searchpath``), a ``--config-dir``.
`guard_config_loading` wraps Hydra's config loader, so that every config it composes (the
run's, a sweep's, each job of a sweep) is checked by `refuse_code_in_hydra` before Hydra
builds any of it; and mia-defense's own callbacks (the config and run-directory checks)
must still be there; and its logging configs must be ones `logging.config` can apply
(known levels, handlers and formatters that exist), as Hydra applies them after making the
run directory, with a traceback. The wrapped method is Hydra 1.3's (``pyproject.toml`` keeps
hydra-core below 1.4; ``tests/hostile/test_hydra_guard.py`` checks it is the one in use).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml
from hydra.errors import CompactHydraException, ConfigCompositionException
from omegaconf import DictConfig, ListConfig

from mia_defense.config_keys import NAMED_ENTRIES as _NAMED_ENTRIES
from mia_defense.errors import ConfigError
from mia_defense.override_checks import parsed_override
from mia_defense.targets import (
    HYDRA_CALLBACKS,
    MAX_DEPTH,
    forbidden_target_problems,
    target_is_forbidden,
)

__all__ = [
    "HydraConfigError",
    "blank_folder_settings",
    "composition_refusal",
    "deleted_keyword_problems",
    "empty_mapping_problems",
    "guard_config_loading",
    "merge_problem",
    "mode_flags_refusal",
    "override_problems",
    "refuse_code_in_hydra",
    "rerun_refusal",
    "sweep_of_unselected_points",
    "sweep_problem",
    "unresolvable_settings",
]


class HydraConfigError(ConfigError, CompactHydraException):
    """A refused Hydra config: a `ConfigError`, which Hydra prints as one line (exit 2)."""

    def __str__(self) -> str:
        return f"ConfigError: {super().__str__()}"


# The callbacks of ours that no config may drop or replace, by primary config (mia-train's
# ``config``, mia-attack's ``mia_attack``; any other named one is held to mia-train's): they
# check the config, the source and the run or sweep directory before Hydra writes anything.
# (Hydra's compose API, with no primary config, builds no callbacks.)
OWN_CALLBACKS = {
    "config": ("check_config", "run_dir_check"),
    "mia_attack": ("source_check", "run_dir_check"),
}
# The nodes of Hydra's config that may hold nodes of any shape (the others are typed: strings,
# numbers, lists of strings), so the only ones that can name code: what Hydra builds its
# callbacks, plugins' objects and logging from, or what ``${hydra:...}`` could hand a run.
# (Resolving the others would import the sweep's directory naming, which imports torch.)
_BUILT = ("callbacks", "sweeper", "launcher", "hydra_logging", "job_logging")
# The logging classes a Hydra logging config may name: `logging`'s handlers, formatters and
# filters (not `logging.config`, which reads and listens for configs), or any module the
# ``_target_`` policy allows (e.g. colorlog's formatter).
_LOGGING_PREFIXES = ("logging.",)
_LOGGING_REFUSED = ("logging.config",)


def refuse_code_in_hydra(config: DictConfig, config_name: str | None = "config") -> None:
    """`HydraConfigError` naming each node of ``config.hydra`` that would call something the
    ``_target_`` policy refuses, or a missing or replaced mia-defense callback (those of the
    primary config ``config_name``)."""
    hydra = config._get_node("hydra") if "hydra" in config else None
    if not isinstance(hydra, DictConfig):
        return
    # as Hydra will build them: every interpolation resolved (``evil: ${stash}``, with stash
    # a node of the run's config, is the node it names)
    nodes = {key: _plain(hydra._get_node(key), f"hydra.{key}") for key in _BUILT if key in hydra}
    callbacks = nodes.get("callbacks")
    problems: list[str] = []
    if config_name is not None:
        required = OWN_CALLBACKS.get(config_name, OWN_CALLBACKS["config"])
        problems += _missing_own_callbacks(callbacks, required)
    for plugin in ("sweeper", "launcher"):  # their own _target_ Hydra keeps to hydra_plugins
        if isinstance(nodes.get(plugin), dict):
            nodes[plugin] = {k: v for k, v in nodes[plugin].items() if k != "_target_"}
    problems += forbidden_target_problems(nodes, "hydra")
    for part in ("hydra_logging", "job_logging"):
        for where, name in _logging_callables(nodes.get(part), f"hydra.{part}"):
            if name.startswith(_LOGGING_REFUSED) or (
                not name.startswith(_LOGGING_PREFIXES) and target_is_forbidden(name)
            ):
                problems.append(
                    f"{where}={name!r}: a logging config names a handler, formatter or filter "
                    "class of `logging` or of a package (not the standard library's other "
                    "modules or Hydra's): logging.config.dictConfig would call it"
                )
    for part in ("hydra_logging", "job_logging"):
        problems += _logging_problems(nodes.get(part), f"hydra.{part}")
    problems += unresolvable_settings(config)
    problems += blank_folder_settings(config)
    if problems:
        raise HydraConfigError("hydra config: " + "; ".join(problems))


# What Hydra sets only as a job starts (its folder), and as each job of a sweep starts.
_SET_AS_A_JOB_STARTS = {"RUN": ("runtime.output_dir",),
                        "MULTIRUN": ("runtime.output_dir", "job.num", "job.id")}  # fmt: skip
# The nodes of Hydra's config it does not read to run a run (RUN) or a sweep (MULTIRUN): the
# help texts, the record of the overrides, what it fills in itself, the other mode's folder.
_NOT_READ = {"RUN": ("help", "hydra_help", "overrides", "runtime", "sweep", "sweeper",
                     "launcher"),
             "MULTIRUN": ("help", "hydra_help", "overrides", "runtime", "run")}  # fmt: skip
# The folders Hydra makes from its settings (a missing value there stops it too).
_FOLDER_KEYS = ("run.dir", "sweep.dir", "sweep.subdir")


def unresolvable_settings(config: DictConfig) -> list[str]:
    """A problem line for each setting of ``config.hydra`` that Hydra reads as it runs the
    composed config (``hydra.mode`` set: a run or a sweep, not ``--cfg`` or ``--help``) and
    whose interpolation cannot be resolved (``hydra.run.dir=${oc.env:NOPE}``, ``${nope}``),
    with what Hydra fills in only as a job starts (``hydra.runtime.output_dir``, a sweep's
    ``hydra.job.num``) standing in. Hydra stopped on those with a traceback, exit 1, some
    after making the run's folder (``hydra.job.name``, a log file's name)."""
    hydra = config._get_node("hydra") if "hydra" in config else None
    if not isinstance(hydra, DictConfig) or "mode" not in hydra:
        return []
    mode = hydra._get_node("mode")._value()
    mode = getattr(mode, "name", mode)
    if mode not in _NOT_READ:
        return []  # composed for --cfg, --help or the compose API: nothing runs
    from omegaconf import OmegaConf, open_dict, read_write

    filled = []
    with read_write(hydra), open_dict(hydra):
        for key in _SET_AS_A_JOB_STARTS[str(mode)]:
            parent, name = key.split(".")
            node = hydra.get(parent)
            if isinstance(node, DictConfig) and OmegaConf.is_missing(node, name):
                node[name] = "0" if name != "output_dir" else "/output_dir"
                filled.append((node, name))
        try:
            problems: list[str] = []
            for key in hydra:
                if key not in _NOT_READ[str(mode)]:
                    _unresolved(hydra, str(key), f"hydra.{key}", problems, 0)
            return _blame_the_override(config, problems)
        finally:
            for node, name in filled:
                node[name] = "???"


# The folder each mode writes into: (key under hydra, what it holds, an example).
_FOLDERS = {"RUN": (("run.dir", "run", "runs/digits"),),
            "MULTIRUN": (("sweep.dir", "sweep", "sweeps/tradeoff"),)}  # fmt: skip


def blank_folder_settings(config: DictConfig) -> list[str]:
    """A problem line for the folder a run (``hydra.run.dir``) or sweep (``hydra.sweep.dir``)
    writes into when it is empty or only spaces: ``hydra.run.dir=`` wrote the run into the
    working directory among whatever lay there (with ``hydra.job.chdir=true``, Hydra's
    FileNotFoundError traceback), and ``' '`` into a folder named by a space; and a sweep's
    ``hydra.sweep.subdir`` of only spaces (every run into one folder). A value that does not
    resolve is `unresolvable_settings`' to name."""
    hydra = config._get_node("hydra") if "hydra" in config else None
    if not isinstance(hydra, DictConfig) or "mode" not in hydra:
        return []
    mode = hydra._get_node("mode")._value()
    mode = str(getattr(mode, "name", mode))
    problems = []
    for key, what, example in _FOLDERS.get(mode, ()):
        parent, name = key.split(".")
        node = hydra.get(parent)
        if not isinstance(node, DictConfig) or name not in node:
            continue
        try:
            value = node[name]
        except Exception:  # unresolvable: named by unresolvable_settings
            continue
        if isinstance(value, str) and not value.strip():
            where = "the working directory, among what lies there" if not value else \
                "a folder named by spaces"  # fmt: skip
            problems.append(
                f"hydra.{key}={value!r}: no folder; it would put the {what} into {where}; "
                f"name a folder, e.g. hydra.{key}={example}, or leave it at its default"
            )
    subdir = hydra.get("sweep") if mode == "MULTIRUN" else None
    raw = subdir._get_node("subdir")._value() if isinstance(subdir, DictConfig) and (
        "subdir" in subdir) else None  # fmt: skip
    if isinstance(raw, str) and raw and not raw.strip():  # ('' is refused by the run checks)
        problems.append(
            f"hydra.sweep.subdir={raw!r}: no folder of its own per run; every run of the sweep "
            "would go into a folder named by spaces (the second refused as holding the "
            "first's run); leave hydra.sweep.subdir at its default, or name a folder per run, "
            "e.g. 'hydra.sweep.subdir=run_${hydra.job.num}'"
        )
    return problems


def _blame_the_override(config: DictConfig, problems: list[str]) -> list[str]:
    """``problems`` with the lines of ``hydra.job.override_dirname`` (and of a sweep's subdir
    built from it) replaced by the overrides that make it unresolvable: Hydra writes each
    override's text into it, so
    ``train.epochs=${oc.env:NOPE}`` was refused as 'hydra.job.override_dirname='...,train.
    epochs=${oc.env:NOPE}': cannot be resolved', naming a setting the user never gave."""
    from omegaconf import OmegaConf, open_dict, read_write
    from omegaconf.errors import OmegaConfBaseException

    def built_from_it(line: str) -> bool:  # (a sweep's subdir is built from it)
        return line.startswith("hydra.") and "override_dirname" in line.split(": ", 1)[0]

    if not any(map(built_from_it, problems)):
        return problems
    try:
        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    except (OmegaConfBaseException, AttributeError):
        return problems
    blamed = []
    for override in task if isinstance(task, list) else []:
        key, _, value = str(override).partition("=")
        key = key.lstrip("+~")
        if "${" not in value or key.startswith("hydra."):
            continue  # (a hydra.* key's own line names it already)
        job = config.hydra.job
        with read_write(job), open_dict(job):
            job["_mia_override_text"] = value  # resolved where override_dirname sits
            try:
                job["_mia_override_text"]
            except OmegaConfBaseException as exc:
                said = " ".join(str(exc).split("\n", 1)[0].split())
                blamed.append(f"{key}={value!r}: cannot be resolved ({said}); give a value "
                              "that resolves (an environment variable that is set, a key that "
                              "exists) or leave it at its default")  # fmt: skip
            finally:
                del job["_mia_override_text"]
    if not blamed:
        return problems
    return [line for line in problems if not built_from_it(line)] + blamed


def _unresolved(parent: Any, key: Any, path: str, problems: list[str], depth: int) -> None:
    """Append a problem line to ``problems`` for each value at or under ``parent[key]``
    whose interpolation cannot be resolved."""
    from omegaconf.errors import OmegaConfBaseException

    child = parent._get_node(key)
    try:
        value = parent[key]
    except OmegaConfBaseException as exc:
        said = " ".join(str(exc).split("\n", 1)[0].split())
        missing = child is not None and child._is_missing() and not child._is_interpolation()
        if "HydraConfig was not set" in said or (
            missing and not path.endswith(tuple(f"hydra.{k}" for k in _FOLDER_KEYS))
        ):
            return  # ${hydra:...}: resolved as the job starts; a ??? Hydra does not read
        raw = child._value() if child is not None else None
        problems.append(f"{path}={raw!r}: cannot be resolved ({said}); give a value that "
                        "resolves (an environment variable that is set, a key that exists) "
                        "or leave it at its default")  # fmt: skip
        return
    if depth >= MAX_DEPTH or not isinstance(value, DictConfig | ListConfig):
        return
    keys = list(value) if isinstance(value, DictConfig) else range(len(value))
    for sub in keys:
        _unresolved(value, sub, f"{path}.{sub}", problems, depth + 1)


def _plain(node: Any, path: str, depth: int = 0) -> Any:
    """``node`` as plain dicts and lists with each interpolation resolved where it sits in
    its config; one that cannot be resolved yet (``${hydra:...}`` before the job starts) is
    left as its text."""
    if depth > MAX_DEPTH:
        raise HydraConfigError(f"hydra config: {path}: nested more than {MAX_DEPTH} deep, or "
                               "an interpolation that names a node holding it")  # fmt: skip
    if isinstance(node, DictConfig):
        keys: list[Any] = list(node)
    elif isinstance(node, ListConfig):
        keys = list(range(len(node)))
    else:
        return node
    plain: dict[str, Any] = {}
    for key in keys:
        try:
            value = node[key]
        except Exception:
            value = node._get_node(key)._value()
        plain[str(key)] = _plain(value, f"{path}.{key}", depth + 1)
    return list(plain.values()) if isinstance(node, ListConfig) else plain


def _missing_own_callbacks(callbacks: Any, required: Sequence[str]) -> list[str]:
    """A problem line for each callback of ``required`` that ``callbacks`` lacks or
    replaces."""
    problems = []
    for name in required:
        target = HYDRA_CALLBACKS[name]
        node = callbacks.get(name) if isinstance(callbacks, dict) else None
        found = node.get("_target_") if isinstance(node, dict) else None
        if found != target:
            problems.append(
                f"hydra.callbacks.{name}: mia-defense's own callback ({target}) is "
                f"{'missing' if node is None else 'replaced'}; it checks the config and the "
                "run directory before anything is written. Keep '- hydra: default' in the "
                "primary config's defaults and leave hydra.callbacks."
                f"{name} as it is"
            )
    return problems


def _logging_callables(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(key, dotted name)`` of every ``class`` and ``()`` in a `logging.config`
    dictionary (plain, resolved), at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("class", "()"):
                yield f"{path}.{key}", str(value)
            else:
                yield from _logging_callables(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _logging_callables(value, f"{path}[{i}]")


# logging's level names (`logging.getLevelNamesMapping` from Python 3.11)
_LEVELS = ("CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET")


def _logging_problems(node: Any, path: str) -> list[str]:
    """What `logging.config.dictConfig` would stop on in a logging config (plain, resolved):
    an entry that is no mapping, an unknown level, a handler without a class, a handler or
    formatter named but not defined. Hydra applies it after the run directory is made (the
    file handler's log is then written there), and its error is a traceback."""
    if not isinstance(node, dict) or node.get("incremental"):  # (then it names existing ones)
        return []
    sections = {key: node.get(key) for key in ("handlers", "formatters", "filters", "loggers")}
    defined = {key: set(value) if isinstance(value, dict) else set()
               for key, value in sections.items()}  # fmt: skip
    loggers = sections["loggers"] if isinstance(sections["loggers"], dict) else {}
    users = {f"{path}.root": node.get("root"), **{
        f"{path}.loggers.{name}": value for name, value in loggers.items()}}  # fmt: skip
    handlers = sections["handlers"] if isinstance(sections["handlers"], dict) else {}
    users.update({f"{path}.handlers.{name}": value for name, value in handlers.items()})
    problems = [
        f"{path}.{kind}.{name}={value!r:.60}: not a mapping; each of {path}.{kind} is one "
        f"(e.g. {{class: logging.StreamHandler}}), or drop it"
        for kind, section in sections.items() if isinstance(section, dict)
        for name, value in section.items() if not isinstance(value, dict)
    ]  # fmt: skip
    if "root" in node and not isinstance(node["root"], dict | None):
        problems.append(f"{path}.root={node['root']!r:.60}: not a mapping (level, handlers)")
    for where, user in users.items():
        if not isinstance(user, dict):
            continue
        level = user.get("level")
        if level is not None and not isinstance(level, int) and str(level) not in _LEVELS:
            problems.append(f"{where}.level={level!r}: not a logging level; use one of "
                            "CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET")  # fmt: skip
        named = {"handlers": user.get("handlers"), "filters": user.get("filters"),
                 "formatters": [user["formatter"]] if "formatter" in user else None}  # fmt: skip
        for kind, names in named.items():
            for name in names if isinstance(names, list) else []:
                if str(name) not in defined[kind]:
                    problems.append(f"{where}: names {kind[:-1]} {name!r}, which "
                                    f"{path}.{kind} does not define")  # fmt: skip
    for name, handler in handlers.items():
        filename = handler.get("filename") if isinstance(handler, dict) else None
        if isinstance(filename, str) and not filename.strip():
            problems.append(f"{path}.handlers.{name}.filename={filename!r}: no file to log "
                            "to; name a writable file, or leave it at its default (train.log "
                            "in the run directory; hydra/job_logging=disabled: no log "
                            "file)")  # fmt: skip
        if isinstance(handler, dict) and not ({"class", "()"} & set(handler)):
            problems.append(f"{path}.handlers.{name}: no class; give one (class: "
                            "logging.StreamHandler), or select another logging config "
                            "(hydra/job_logging=disabled)")  # fmt: skip
    return problems


def guard_config_loading() -> None:
    """Wrap Hydra's config loader once per process so that `refuse_code_in_hydra` checks
    each config it composes, before Hydra builds callbacks, plugins or logging from it, and
    `override_problems` and `_empty_mapping_file_problems` its overrides and config files
    (its ``_load_single_config`` wrapped too: the files as Hydra merges them)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    load = ConfigLoaderImpl.load_configuration
    if getattr(load, "_mia_guarded", False):
        return

    load_one = ConfigLoaderImpl._load_single_config

    @functools.wraps(load_one)
    def load_single_config(self: ConfigLoaderImpl, default: Any, repo: Any) -> Any:
        loaded = load_one(self, default, repo)
        record = getattr(self, "_mia_files", None)
        path = str(default.config_path or "")
        if record is not None and not path.startswith("hydra/"):  # (Hydra's own: left out)
            # (the empty mappings of each config file, as Hydra merges it)
            file = f"{loaded.path}/{path}.yaml"  # (config_file_shown: as a user finds it)
            record["primary"] = file if default.primary else record["primary"]
            _empty_mappings_of(loaded.config, file, record, package=default.package)
        return loaded

    @functools.wraps(load)
    def load_configuration(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> DictConfig:
        outer = getattr(self, "_mia_files", None)
        self._mia_files = record = {"seen": set(), "found": [], "primary": None}
        try:
            config = load(self, *args, **kwargs)
        except ConfigCompositionException as exc:
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            shell = args[3] if len(args) > 3 else kwargs.get("from_shell", True)
            reworded = composition_refusal(exc, list(overrides or []), loader=self, shell=shell)
            if reworded is None:
                raise
            raise reworded from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:  # (Hydra gives a traceback)
            said = " ".join(str(exc).split())
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            raise HydraConfigError(
                f"a config file cannot be read as YAML ({said}); fix or remove that file (the "
                f"primary config {args[0] if args else kwargs.get('config_name')!r} or one "
                f"that the overrides {list(overrides or [])} select)"
            ) from None
        except ValueError as exc:  # (after UnicodeDecodeError, a ValueError read above)
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            refusal = composition_refusal(exc, list(overrides or []))
            if refusal is None:
                raise
            raise refusal from None
        finally:
            self._mia_files = outer
        config_name = args[0] if args else kwargs.get("config_name")
        refuse_code_in_hydra(config, config_name)
        overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
        problems = override_problems(config, list(overrides or []))
        problems += _empty_mapping_file_problems(config, record)
        if problems:
            raise HydraConfigError("; ".join(problems))
        return config

    apply = ConfigLoaderImpl._apply_overrides_to_config

    @functools.wraps(apply)
    def apply_overrides(overrides: list[Any], cfg: DictConfig) -> None:
        _refuse_list_appends(overrides, cfg)
        apply(overrides, cfg)

    load_configuration._mia_guarded = True  # type: ignore[attr-defined]
    ConfigLoaderImpl.load_configuration = load_configuration  # type: ignore[method-assign]
    ConfigLoaderImpl._load_single_config = load_single_config  # type: ignore[method-assign]
    ConfigLoaderImpl._apply_overrides_to_config = staticmethod(apply_overrides)  # type: ignore[method-assign]


def _refuse_list_appends(overrides: Sequence[Any], cfg: DictConfig) -> None:
    """Refuse a ``+KEY=[...]`` (Hydra's parsed ``overrides``, about to be applied to ``cfg``)
    whose KEY holds a list already (`list_append_problem`)."""
    from omegaconf import OmegaConf

    for override in overrides:
        if not override.is_add() or override.package is not None:
            continue
        there = OmegaConf.select(cfg, override.key_or_group, default=None,
                                 throw_on_missing=False, throw_on_resolution_failure=False)
        if isinstance(there, ListConfig):
            problem = list_append_problem(override, OmegaConf.to_container(there))
            if problem is not None:
                raise ConfigCompositionException(problem)


def list_append_problem(override: Any, there: Sequence[Any]) -> str | None:
    """The refusal of Hydra's parsed ``override`` ``+KEY=[...]`` where KEY holds the list
    ``there``: Hydra refuses ``+`` for a key that is there ("An item is already at"), but
    for a list it replaces the one there, so ``+attack.fprs=[0.2]`` (meant: add 0.2) ran
    with ``attack.fprs=[0.2]`` alone, its headline at 20 % FPR. ``None``: no such list."""
    value = override.value() if override.is_add() else None
    if not isinstance(value, list):
        return None
    key, old = override.key_or_group, list(there)
    joined = ",".join(map(str, [*old, *value])) if all(
        isinstance(v, int | float | str) for v in [*old, *value]) else "..."  # fmt: skip
    return (f"Could not append to config. An item is already at '{key}' ({old}): '+' adds a "
            f"key, and a list given to one that is there replaces that list (it adds nothing "
            f"to it), so the run would use {key}={value} alone; write "
            f"{override.input_line[1:]!r} to replace it, or '{key}=[{joined}]' to add to it")


def composition_refusal(
    exc: Exception, overrides: Sequence[str], *, loader: Any = None, shell: bool = True
) -> Exception | None:
    """Hydra's error composing ``overrides`` reworded with what to write, for every
    composition (the tools' guarded loader, the API's `attack_config`, which got Hydra's
    "To append to your config use +attack.attacks.lira=null" where the tools say what was
    meant): a key of a config that is not selected or missing in a node
    (`_unselected_config_refusal`), a ``~KEY`` of a key that is not there
    (`_missing_delete_refusal`), an integer of more digits than Python reads
    (`_long_integer_refusal`), and, where ``shell`` (the compose API's caller words its
    own), Hydra's merge and sweep errors. ``None``: any other error, left as Hydra words it."""
    if isinstance(exc, ConfigCompositionException):
        reworded = _unselected_config_refusal(exc, overrides, loader=loader)
        if reworded is None:
            reworded = _missing_delete_refusal(exc, overrides)
        if reworded is None and shell:
            reworded = _merge_refusal(exc) or _sweep_refusal(exc)
        return reworded
    if isinstance(exc, ValueError):
        return _long_integer_refusal(exc, overrides)
    return None


def empty_mapping_problems(config: DictConfig, overrides: Sequence[str]) -> list[str]:
    """A problem line for each override of ``overrides`` that gives an empty mapping
    (``attack.attacks={}``, ``++defense.dp={}``, ``dataset={}``, a sweep's ``{}``) to a key
    whose node in the composed ``config`` holds entries. Hydra merges a mapping given as an
    override into the node, so an empty one changes nothing: whoever meant "no attacks"
    (or "none of these, only mine") ran every attack. A node left empty (``defense={}``,
    ``+new={}``) is what was asked for."""
    from hydra.core.override_parser.types import ChoiceSweep
    from omegaconf import OmegaConf

    problems: list[str] = []
    for text in overrides:
        if "{" not in str(text) or "}" not in str(text):
            continue  # (no mapping: the default run's path parses nothing)
        override = parsed_override(str(text))
        if override is None:  # (Hydra names a text it cannot parse itself)
            continue
        key = override.key_or_group
        if override.is_delete() or override.package is not None or "/" in key:
            continue
        value = override.value()
        values = value.list if isinstance(value, ChoiceSweep) else [value]
        if not any(isinstance(v, dict) and not v for v in values):
            continue
        node = OmegaConf.select(config, key, default=None, throw_on_resolution_failure=False)
        if not isinstance(node, DictConfig) or len(node) == 0:
            continue
        problems.append(f"{text}: Hydra merges a mapping given as an override into what "
                        f"{key} holds, {_empty_mapping_fix(key, node)}")  # fmt: skip
    return problems


def _empty_mapping_fix(key: str, node: DictConfig, *, chosen: str | None = None) -> str:
    """Why an empty mapping merged into ``node`` (at ``key``, holding entries) changes
    nothing, and what to write instead: on the command line, or, where ``chosen`` is given
    (the config that ``key``'s group selects; ``""``: none), in the config file that gave
    it, which cannot delete (``'~attack.attacks.NAME'`` is a command line's)."""
    names = [str(name) for name in node]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    group = key.split(".")[0]
    if chosen is not None:
        fix = _empty_mapping_file_fix(key, group, chosen)
    elif key == "defense":
        fix = ("select the defenses with defense=[NAME,...] (defense=[] for none), or "
               "leave one out with '~defense.NAME'")  # fmt: skip
    elif key in _packaged_groups():
        fix = (f"select another config of the group with {key}=NAME (the files of "
               f"conf/{key}/), or set its keys one by one ({key}.KEY=VALUE)")
    elif "_target_" in node:
        fix = f"set its keys one by one ({key}.KEY=VALUE), or drop it with '~{key}'"
    elif key in _NAMED_ENTRIES:
        fix = (f"leave an entry out with '~{key}.NAME' (e.g. '~{key}.{names[-1]}'); to "
               f"keep none of them and give your own, '~{key}' then "
               f"'+{key}.NAME={{...}}' for each")  # fmt: skip
    else:  # (settings: attack.queries)
        fix = f"set its keys one by one ({key}.KEY=VALUE)"
    return (f"so an empty one changes nothing: every entry ({shown}) would stay as it is; "
            f"{fix}")


def _empty_mapping_file_fix(key: str, group: str, chosen: str) -> str:
    """`_empty_mapping_fix`'s advice for a config file's ``{}`` at ``key`` (of ``group``,
    whose selected config is ``chosen``): a file merges, so it selects another config in
    its defaults list or sets keys; it leaves nothing out."""
    if key == "defense":
        return ("drop it, and select the defenses in the file's defaults list "
                "('- override /defense: [NAME,...]', [] for none; defense=... on the command "
                "line wins over it)")  # fmt: skip
    if key in _packaged_groups():
        return (f"select another config of the group in the file's defaults list "
                f"('- override /{key}: NAME', the files of conf/{key}/ or of your own), or "
                f"set its keys one by one in the file")  # fmt: skip
    if key in _NAMED_ENTRIES and group in _packaged_groups():
        return (f"a config file cannot leave entries out (Hydra merges it): copy "
                f"{_packaged_file(group, chosen or 'default')} to {group}/NAME.yaml in a "
                f"folder of your hydra.searchpath, keep there the entries to run, and select "
                f"it in the file's defaults list ('- override /{group}: NAME'); or leave "
                f"entries out on the command line ('~{key}.NAME')")  # fmt: skip
    return f"set its keys one by one in the file (under {key}), or drop it"


def _packaged_file(group: str, name: str) -> str:
    """Where the packaged ``conf/<group>/<name>.yaml`` lies (its path where installed as
    files, else the name in the package)."""
    return config_file_shown(f"pkg://mia_defense.conf/{group}/{name}.yaml")


def config_file_shown(file: str) -> str:
    """A config file as Hydra's loader names it (``pkg://MODULE/PATH``, ``file://...`` or a
    path) as a user finds it: a package's file as its path on disk (``pkg://mia_defense.conf
    /experiment/x.yaml``: ``.../conf/experiment/x.yaml``), or, where the package is no
    folder (a zip), as PATH in the package MODULE."""
    if not file.startswith("pkg://"):
        return file.removeprefix("file://")
    module, _, path = file.removeprefix("pkg://").partition("/")
    try:
        from importlib.resources import files

        found = files(module).joinpath(path)
        if isinstance(found, os.PathLike) and os.path.exists(found):
            return os.fspath(found)
    except Exception:  # (a module that does not import: its name as Hydra gave it)
        pass
    return f"{path} in the package {module}"


def _empty_mappings_of(
    config: Any, file: str, record: dict[str, Any], *, package: str | None = None
) -> None:
    """Add to ``record`` (``seen``: the keys of the mappings with entries of the config files
    loaded so far, in the order Hydra merges them; ``found``: ``(file, key, primary)`` of
    each empty mapping given after one of those) what the config file ``file`` holds
    (``config``, under its ``package``; a file with nothing in it, ``defense/none.yaml``, is
    no mapping given)."""
    seen: set[str] = record["seen"]
    if not isinstance(config, DictConfig):
        return
    stack: list[tuple[DictConfig, str, int]] = [(config, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        content = node._content
        for name in content if isinstance(content, dict) and depth < MAX_DEPTH else ():
            child = node._get_node(name)
            if not isinstance(child, DictConfig) or child._is_none() or (
                    child._is_missing() or child._is_interpolation()):  # fmt: skip
                continue
            key = f"{path}.{name}" if path else str(name)
            if not child._content:
                if key in seen and key != package and key.split(".")[0] != "hydra":
                    record["found"].append((file, key, record["primary"]))
            else:
                seen.add(key)
                stack.append((child, key, depth + 1))


def _empty_mapping_file_problems(config: DictConfig, record: dict[str, Any]) -> list[str]:
    """A problem line for each empty mapping a config file gave (``attack: {attacks: {}}``
    in an experiment file of one's own) to a key whose node in the composed ``config`` holds
    entries that an earlier file put there: merged, it changes nothing, as
    `empty_mapping_problems` says of an override. The primary config's ``defense: {}`` (the
    node that is there with no defense selected) is left."""
    from omegaconf import OmegaConf

    problems = []
    for file, key, primary in record["found"]:
        if primary == file and key == "defense":
            continue
        node = OmegaConf.select(config, key, default=None, throw_on_resolution_failure=False)
        if isinstance(node, DictConfig) and len(node) > 0:
            chosen = OmegaConf.select(config, f"hydra.runtime.choices.{key.split('.')[0]}",
                                      default=None, throw_on_resolution_failure=False)
            fix = _empty_mapping_fix(key, node, chosen=chosen if isinstance(chosen, str) else "")
            problems.append(f"{config_file_shown(file)}: {key}: {{}}: Hydra merges a config "
                            f"file's mapping into what {key} holds, {fix}")
    return problems


def override_problems(config: DictConfig, overrides: Sequence[str]) -> list[str]:
    """The problems of ``overrides`` that only the composed ``config`` shows, for every
    composition of overrides (the tools' guarded loader, the API's `attack_config`): an
    empty mapping that changes nothing (`empty_mapping_problems`), a deleted keyword of a
    ``_target_`` (`deleted_keyword_problems`)."""
    return [*empty_mapping_problems(config, overrides),
            *deleted_keyword_problems(config, overrides)]  # fmt: skip


# Targets whose signatures the loader reads (importing these runs no code of the user's).
_KNOWN_TARGETS = ("mia_defense.", "torch.")


def deleted_keyword_problems(config: DictConfig, overrides: Sequence[str]) -> list[str]:
    """A problem line for each ``~KEY`` of ``overrides`` that deleted a keyword of a
    ``_target_`` node which the target takes with a default (``~model.hidden``,
    ``~defense.dp.delta``, ``~attack.attacks.rmia.gamma``): the run used the function's
    default, a value results.json, whose config lacks the key, does not record. A keyword
    the target does not take is left (deleting one left from the packaged config when only
    the ``_target_`` was replaced is the fix); so are targets of one's own (not imported
    here) and the ``_...`` keys Hydra reads."""
    if not any(str(text).lstrip().startswith("~") for text in overrides):
        return []  # (the default run's path imports and parses nothing)
    import inspect

    from hydra._internal.utils import _locate
    from omegaconf import OmegaConf

    from mia_defense.constraints import show

    problems: list[str] = []
    for text in map(str, overrides):
        if not text.lstrip().startswith("~"):
            continue
        override = parsed_override(text.strip())
        if override is None:  # (Hydra names a text it cannot parse itself)
            continue
        key = override.key_or_group
        owner, _, name = key.rpartition(".")
        if override.package is not None or "/" in key or not owner or name.startswith("_"):
            continue
        node = OmegaConf.select(config, owner, default=None, throw_on_resolution_failure=False)
        if not isinstance(node, DictConfig) or name in node:
            continue
        target = node.get("_target_") if "_target_" in node else None
        if not isinstance(target, str) or not target.startswith(_KNOWN_TARGETS):
            continue
        try:
            parameter = inspect.signature(_locate(target)).parameters.get(name)
        except Exception:  # (an unimportable target: the config check names it)
            continue
        if parameter is None or parameter.default is inspect.Parameter.empty:
            continue  # (not taken: the check says nothing of it; no default: it says missing)
        problems.append(
            f"{text.strip()}: deletes {name} of {owner} ({target} takes {name}), so the run "
            f"would use the function's default ({name}={show(parameter.default)}), which "
            f"results.json, its config lacking {key}, does not record; set it instead "
            f"({key}=VALUE, or {key}={show(parameter.default)} for that default)"
        )
    return problems


@functools.cache
def _packaged_groups() -> frozenset[str]:
    """The config groups of mia-defense's packaged configs (the folders of ``conf/``)."""
    from importlib.resources import files

    return frozenset(p.name for p in files("mia_defense.conf").iterdir()
                     if p.is_dir() and not p.name.startswith("_"))  # fmt: skip


def _long_integer_refusal(exc: ValueError, overrides: Sequence[str]) -> Exception | None:
    """Hydra's raw ValueError for an override holding an integer of more digits than Python
    reads (4300, ``sys.get_int_max_str_digits``): ``defense.dp.target_epsilon=999...`` of
    5,000 digits ended in a traceback naming no key. ``None``: any other ValueError."""
    import re
    import sys

    if "integer string conversion" not in str(exc):
        return None
    limit = sys.get_int_max_str_digits()
    for text in map(str, overrides):
        digits = max(map(len, re.findall(r"\d+", text)), default=0)
        if digits > limit:
            key = text.partition("=")[0]
            return HydraConfigError(
                f"{key}=<an integer of {digits} digits>: more digits than Hydra reads in an "
                f"integer ({limit}, Python's limit), and no setting takes so large a number; "
                f"give {key} a value in its range"
            )
    return None


def _unselected_config_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = (), *, loader: Any = None
) -> Exception | None:
    """Hydra's "Could not override 'KEY'. To append to your config use +KEY=..." reworded
    where KEY names a config of a group that is not selected, or a key only other configs of
    the group have (`unselected_config_hint`): following Hydra's advice got the clear
    message ("not selected: add it with defense=dp") only on the second try, or added a key
    nothing reads. Where ``overrides`` sweep that group (``-m 'defense=dp,none'
    defense.dp.target_epsilon=1``), `sweep_of_unselected_points` says how to write the
    sweep: "add it with defense=dp" was said of a command that did. ``None``: any other
    error, left as Hydra words it."""
    import re

    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    from mia_defense.config_keys import unselected_config_hint

    found = re.match(r"Could not override '([^']+)'\.", str(exc))
    cause = exc.__cause__
    if found is None or not isinstance(cause, (ConfigAttributeError, ConfigKeyError)):
        return None
    composed, multirun = _composed_when_failed(exc)
    # (a sweeper's params, +experiment=tradeoff_all's defense: "[],[dp],...", sweep too)
    every = [*overrides, *(_sweeper_params(composed) if multirun else [])]
    swept = sweep_of_unselected_points(found.group(1), every, loader=loader, plain=True)
    if swept is None and multirun:
        try:
            swept = _shared_config_advice(found.group(1), overrides, every, composed)
        except Exception:  # (advice only: the packaged files' hint below)
            swept = None
    if swept is not None:
        return ConfigCompositionException(f"Could not override '{found.group(1)}' in a sweep: "
                                          f"{swept}")  # fmt: skip
    parent = getattr(cause, "parent_node", None)
    where = parent._get_full_key(None) if isinstance(parent, DictConfig) else ""
    # a config of a group that is not selected: the key is missing at the group's root
    hint = unselected_config_hint(found.group(1)) if "." not in where else None
    if hint is None and where and getattr(cause, "key", None) is not None:
        given = next((text.partition("=")[2] for text in map(str, overrides)
                      if text.partition("=")[0].lstrip("+~") == found.group(1)), "VALUE")
        hint = _missing_key_hint(parent, str(where), str(cause.key), given=given or "VALUE")
    if hint is None:
        return None
    missing = f" (Key {cause.key!r} is not in struct)" if getattr(cause, "key", None) else ""
    return ConfigCompositionException(f"Could not override '{found.group(1)}'{missing}: {hint}")




def _composed_when_failed(exc: Exception) -> tuple[DictConfig | None, bool]:
    """The config as composed when Hydra's override or delete failed (Hydra 1.3's frame that
    applies the overrides holds it; its error carries none), and whether Hydra composed a
    multirun's shared config (its points select what their overrides say, not it)."""
    composed, multirun, trace = None, False, exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "_apply_overrides_to_config":
            composed = trace.tb_frame.f_locals.get("cfg")
        if trace.tb_frame.f_code.co_name == "_load_configuration_impl":
            multirun = str(trace.tb_frame.f_locals.get("run_mode")) == "RunMode.MULTIRUN"
        trace = trace.tb_next
    return (composed if isinstance(composed, DictConfig) else None), multirun


def _shared_config_advice(
    key: str, overrides: Sequence[str], every: Sequence[str], composed: DictConfig | None
) -> str | None:
    """How to write a sweep that sets ``key`` of a config that another swept group's points
    select (``-m +experiment=A,B defense.dp.delta=1e-5``: the experiments' defaults lists
    select dp), which the sweep's shared config lacks; ``None`` where no such group is swept
    (``every``: ``overrides`` and the sweeper's params). "not selected: add it with
    defense=dp" was said of a command whose points select it."""
    import shlex

    from mia_defense.config_keys import configs_holding

    holding = configs_holding(key)
    if holding is None:
        return None
    group, owners = holding
    others = [text for name, text in _swept_groups(every, composed) if name != group]
    if not others:
        return None
    value = next((str(text).partition("=")[2] for text in overrides
                  if str(text).partition("=")[0].lstrip("+") == key), "VALUE")  # fmt: skip
    which = f"the defense {next(iter(owners))!r}" if group == "defense" else \
        f"{group}={' or '.join(sorted(owners))}"  # fmt: skip
    return (f"{key}={value} sets a key of {which}, which the sweep's shared config lacks: "
            f"Hydra composes it before the points of {others[0]}, with {group} as the rest of "
            f"the command selects it; nothing was run. Where every point selects "
            f"{' or '.join(sorted(owners))}, write {shlex.quote(f'++{key}={value}')} (Hydra's "
            f"force-add: each point sets it); else sweep the points that select it on their "
            f"own")  # fmt: skip


def _missing_key_hint(parent: DictConfig, where: str, name: str, *, given: str = "VALUE") -> str:
    """What to write instead of Hydra's "To append to your config use +KEY=..." for a key
    ``name`` that the node ``where`` (selected, composed) lacks, set to ``given``: ``defense=dp
    'defense.dp={noise:1}'`` was told 'dp' is not selected, ``attack.attacks.lira=null`` (one
    meant to turn LiRA off) to add an attack 'lira', ``attack.queries={repeat:3}`` to add a
    key nothing reads, ``defense=dp defense.delta=true`` (dp's delta) to add a defense."""
    import difflib

    keys = [str(k) for k in parent if not str(k).startswith("_")]
    close = [k for k in keys if k.startswith(name)][:3] or difflib.get_close_matches(name, keys)
    meant = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    entry = _NAMED_ENTRIES.get(where)
    holders = [k for k in keys if isinstance(parent.get(k), DictConfig) and name in parent[k]]
    if entry is not None and holders and name not in keys:  # a key of an entry, one level up
        written = " or ".join(f"{where}.{holder}.{name}={given}" for holder in holders)
        if len(holders) > 2:
            written = f"{where}.NAME.{name}={given} (e.g. {where}.{holders[0]}.{name}={given})"
        return (f"{where} has no {entry} {name!r}: {name} is a key of the {entry}"
                f"{'s' if len(holders) > 1 else ''} {', '.join(holders)}; write {written}")
    if entry is not None:
        return (f"{where} has no {entry} {name!r}{meant} (its {entry}s: {', '.join(keys)}); "
                f"leave one out with '~{where}.NAME', or add one of your own with "
                f"'+{where}.{name}={{_target_: ...}}'")  # fmt: skip
    target = parent._get_node("_target_")._value() if "_target_" in parent else None
    known = f"its keys: {', '.join(keys)}" if keys else \
        "no keys besides its _target_" if target is not None else "it has no keys"  # fmt: skip
    own = f"; '+{where}.{name}=...' adds it, for a _target_ of your own that takes it" if (
        isinstance(target, str) and not target.startswith("mia_defense.")) else ""  # fmt: skip
    return f"{where} has no key {name!r}{meant} ({known}){own}"


def _missing_delete_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = ()
) -> Exception | None:
    """Hydra's "Could not delete from config. 'KEY' does not exist." with what was likely
    meant (`deleted_key_hint`: ``~attack.attacks.lira`` names the attacks and the closest);
    ``None``: any other error, or no hint."""
    import re

    found = re.fullmatch(r"Could not delete from config\. '([^']+)' does not exist\.", str(exc))
    if found is None:
        return None
    # the config as composed when the delete failed (Hydra 1.3's frame that applies the
    # overrides holds it; its error carries none): which defenses and attacks are selected
    composed, multirun = _composed_when_failed(exc)
    try:
        hint = _missing_delete_hint(found.group(1), overrides, composed, multirun=multirun)
    except Exception:  # (advice only: a config that does not resolve keeps Hydra's words)
        return None
    return _delete_hint_refusal(exc, hint)


def _missing_delete_hint(
    key: str, overrides: Sequence[str], composed: DictConfig | None, *, multirun: bool
) -> str | None:
    """`_missing_delete_refusal`'s hint for ``~key``, from the config ``composed`` when the
    delete failed (in a ``multirun``, the sweep's shared config); may raise."""
    from mia_defense.config_keys import deleted_key_hint

    group = key.split(".")[0]
    # (a sweeper's params, +experiment=tradeoff_all's defense: "[],[dp],...", sweep too)
    params = _sweeper_params(composed) if multirun else []
    swept = _swept_groups([*overrides, *params], composed)
    if not swept:
        return deleted_key_hint(key, composed)
    # a sweep's shared config, composed with the swept groups at their defaults (-m
    # 'defense=dp,none' '~defense.dp.delta', -m +experiment=A,B): what it selects is not
    # what the points do
    own = next((text for name, text in swept if name == group), None)
    chosen = composed.get("defense") if composed is not None else None
    selected = [str(name) for name in chosen] if isinstance(chosen, DictConfig) else []
    if own is None and _deletes_from_selected(key, selected):
        # (-m +experiment=A,B defense=dp '~defense.delta': the command line selects it)
        return deleted_key_hint(key, composed)
    hint = _swept_delete_hint(key, own or swept[0][1], overrides, own=own is not None,
                              selected=selected)  # fmt: skip
    return hint or deleted_key_hint(key)


def _sweeper_params(composed: DictConfig | None) -> list[str]:
    """The sweeps of ``composed``'s ``hydra.sweeper.params`` as overrides (``KEY=VALUE``)."""
    from omegaconf import OmegaConf

    params = None if composed is None else OmegaConf.select(
        composed, "hydra.sweeper.params", default=None, throw_on_resolution_failure=False)
    if not isinstance(params, DictConfig):
        return []
    return [f"{key}={params._get_node(key)._value()}" for key in params
            if isinstance(params._get_node(key)._value(), str)]  # fmt: skip


def _deletes_from_selected(key: str, selected: list[str]) -> bool:
    """Whether ``~key`` deletes from a defense of ``selected`` (``defense.dp.KEY``, or a key
    one level up of one: ``defense.delta`` with dp), or ``key`` is no defense's."""
    from mia_defense.config_keys import defenses_holding

    group, _, rest = key.partition(".")
    name = rest.split(".")[0]
    return group != "defense" or name in selected or any(
        holder in selected for holder in defenses_holding(name))  # fmt: skip


# Packaged groups whose configs select no other group's config (a sweep of them composes
# the same defenses and release in its shared config as in its points); experiment's do.
_SELECTING_NO_DEFENSE = ("dataset", "model", "plan", "train", "attack", "release")


def _swept_groups(
    overrides: Sequence[str], composed: DictConfig | None
) -> list[tuple[str, str]]:
    """``(group, override)`` of each override of ``overrides`` that sweeps a config group
    whose points may select other defenses than the shared config (``defense=dp,none``,
    ``+experiment=A,B``; not a value, ``seed=0,1``, which ``composed`` holds as no mapping,
    nor Hydra's own, nor `_SELECTING_NO_DEFENSE`)."""
    swept = []
    for text in map(str, overrides):
        override = parsed_override(text.strip()) if "," in text or "(" in text else None
        if override is None or not override.is_sweep_override():
            continue
        key = override.key_or_group
        value = composed.get(key) if composed is not None and "." not in key and \
            "/" not in key and key in composed else {}  # fmt: skip
        if "." not in key and key not in _SELECTING_NO_DEFENSE and not key.startswith(
                "hydra") and isinstance(value, dict | DictConfig):  # fmt: skip
            swept.append((key, text.strip()))
    return swept


def _swept_delete_hint(
    key: str, sweep: str, overrides: Sequence[str], *, own: bool = True,
    selected: Sequence[str] = (),
) -> str | None:
    """What a ``~KEY`` of a defense in a sweep whose points select the defenses (``sweep``:
    ``defense=dp,none``; not ``own``: another group's, ``+experiment=A,B``) meant, Hydra
    having refused it in the sweep's shared config (composed with no defense):
    ``~defense.delta`` (dp's delta, one level up; Hydra's bare "does not exist"),
    ``~defense.dp`` (told dp is not selected). ``selected``: the defenses of the shared
    config (the command line's). ``None``: any other key."""
    import shlex

    from mia_defense.config_keys import defenses_holding, packaged_configs, point_selects

    group, _, rest = key.partition(".")
    if group != "defense" or not rest:
        return None
    shared = (f"Hydra composes the sweep's shared config before the points of {sweep}, with "
              f"{'the defenses ' + ', '.join(selected) if selected else 'no defense'}, and "
              f"deletes there; nothing was run")  # fmt: skip
    if "." in rest:  # ~defense.dp.max_grad_norm
        return _swept_setting_delete_hint(key, shared)
    if not own:
        if rest in packaged_configs(group):
            return (f"a sweep's points cannot delete a defense they select: {shared}. Leave "
                    f"{rest} out of the points instead (the defenses their configs select)")
        holders = defenses_holding(rest)
        return None if not holders else (
            f"{rest} is a key of the defense{'s' if len(holders) > 1 else ''} "
            f"{', '.join(holders)}, not of defense, and a setting of a defense cannot be "
            f"deleted: {shared}. Set it instead where every point selects {holders[0]} "
            f"({shlex.quote(f'++defense.{holders[0]}.{rest}=VALUE')})")  # fmt: skip
    points = _sweep_points(group, sweep)
    if not points:
        return None
    def names(point: Any) -> list[str]:
        return [str(getattr(n, "text", n)) for n in (point if isinstance(point, list | tuple)
                                                     else [point])]  # fmt: skip

    if rest != "none" and any(rest in names(point) for point, _ in points):  # ~defense.dp
        left = [f"[{','.join(n for n in names(point) if n not in (rest, 'none'))}]"
                for point, _ in points]  # fmt: skip
        return (f"a sweep's points cannot delete a defense they select: {shared}. Leave "
                f"{rest} out of the points instead: "
                f"{shlex.quote('defense=' + ','.join(dict.fromkeys(left)))}")
    packaged = defenses_holding(rest)
    holders = [h for h in packaged if any(point_selects(group, p, frozenset({h}))
                                          for p, _ in points)]  # fmt: skip
    if packaged and not holders:
        return (f"{rest} is a key of the defense{'s' if len(packaged) > 1 else ''} "
                f"{', '.join(packaged)}, which no point of {sweep} selects, so there is "
                f"nothing to delete, and a setting of a defense cannot be deleted: drop "
                f"'~{key}' (to set it, select {packaged[0]} in the points, e.g. "
                f"{_selecting_example(group, packaged[0], [p for p, _ in points])}, and write "
                f"'++defense.{packaged[0]}.{rest}=VALUE')")  # fmt: skip
    if not holders:
        return None
    owner = holders[0]
    lacking = [t for (p, t) in points if not point_selects(group, p, frozenset(holders))]
    where = f"; the points defense={','.join(lacking)} select no {' or '.join(holders)}" \
        if lacking else ""  # fmt: skip
    setting = f"defense.{owner}.{rest}=VALUE"
    start = (f"{rest} is a key of the defense{'s' if len(holders) > 1 else ''} "
             f"{', '.join(holders)} (defense.{owner}.{rest}), not of defense, so no point of "
             f"{sweep} has {key}{where}; a setting of a defense cannot be deleted: set it "
             f"instead")  # fmt: skip
    if not lacking:
        return (f"{start}, with {shlex.quote('++' + setting)} (Hydra's force-add: every point "
                f"of {sweep} selects {owner}, and each sets it)")  # fmt: skip
    rewritten = [setting if str(text).strip() == f"~{key}" else str(text) for text in overrides]
    advice = sweep_of_unselected_points(f"defense.{owner}.{rest}", rewritten)
    return f"{start}. {advice}" if advice else (
        f"{start} ({setting} in a run that selects {owner}; in a sweep whose points all "
        f"select it, {shlex.quote('++' + setting)})")  # fmt: skip


def _swept_setting_delete_hint(key: str, shared: str) -> str | None:
    """`_swept_delete_hint` for ``~defense.NAME.KEY`` of a packaged defense (``shared``: why
    the sweep refused it): a setting stays, or NAME has no KEY. ``None``: a defense of one's
    own, a key below a setting, a null setting (`deleted_key_hint` says why) or a ``_`` key."""
    from mia_defense.config_keys import packaged_defense

    _, name, below = key.split(".", 2)
    entry = packaged_defense(name)
    if not entry or "." in below or below.startswith("_") or entry.get(below, "") is None:
        return None
    if below not in entry:
        keys = ", ".join(str(k) for k in entry if not str(k).startswith("_"))
        return f"the defense {name} has no key {below!r} (its keys: {keys})"
    return (f"a sweep cannot delete a setting of a defense: {shared}. A keyword of the defense "
            f"stays: set it instead ('++{key}=VALUE' in a sweep whose points all select "
            f"{name}; {key}=VALUE in a run that selects it)")


def _sweep_points(group: str, sweep: str, *, loader: Any = None) -> list[tuple[Any, str]] | None:
    """``(value, text)`` of each point of the sweep override ``sweep`` of ``group``
    (``defense=dp,none``: ``("dp", "dp"), ("none", "none")``; a glob over the packaged
    configs); ``None`` where they cannot be enumerated here (an interval)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        override = OverridesParser.create(config_loader=loader).parse_overrides([sweep])[0]
    except Exception:  # (Hydra names a text it cannot parse itself)
        return None
    try:
        return list(zip(override.sweep_iterator(), override.sweep_string_iterator(),
                        strict=True))  # fmt: skip
    except Exception:  # a glob without a loader: over the packaged configs; else (an
        return _packaged_glob(group, override.value())  # interval) not enumerable here


def _delete_hint_refusal(exc: Exception, hint: str | None) -> Exception | None:
    """Hydra's "Could not delete" error with ``hint`` after it; ``None`` without one."""
    return None if hint is None else ConfigCompositionException(
        f"{str(exc).removesuffix('.')}: {hint}")  # fmt: skip


def _merge_refusal(exc: ConfigCompositionException) -> Exception | None:
    """`merge_problem` as a one-line refusal; ``None``: any other error."""
    problem = merge_problem(exc)
    return None if problem is None else HydraConfigError(problem)


def _sweep_refusal(exc: ConfigCompositionException) -> Exception | None:
    """`sweep_problem` as a one-line refusal; ``None``: any other error."""
    problem = sweep_problem(exc)
    return None if problem is None else HydraConfigError(problem)


def sweep_problem(exc: Exception, *, shell: bool = True) -> str | None:
    """Hydra's "Ambiguous value for argument 'KEY=a,b'" (a sweep without -m) reworded
    (`constraints.sweep_refusal`; ``shell=False``: for the API); ``None``: any other error."""
    import re

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.config_keys import packaged_configs
    from mia_defense.constraints import sweep_refusal

    found = re.match(r"Ambiguous value for argument '(.*)'\n", str(exc))
    if not isinstance(exc, ConfigCompositionException) or found is None:
        return None
    try:
        override = OverridesParser.create().parse_override(found.group(1))
        items = [getattr(item, "text", item)  # (a QuotedString: its text)
                 for item in override.value().list]  # type: ignore[union-attr]
    except Exception:  # (Hydra parsed it as a sweep of choices already)
        return None
    key = override.key_or_group
    group = override.package is None and bool(packaged_configs(key))
    return sweep_refusal(found.group(1), key, items, group=group, shell=shell)


def merge_problem(exc: Exception, *, shell: bool = True) -> str | None:
    """Hydra's "Error merging override KEY=VALUE" where VALUE is a mapping and KEY a list
    (dataset.drop_columns={a:1}) or the reverse, reworded (`constraints.shape_refusal`):
    Hydra's own words were "Cannot merge DictConfig with ListConfig" either way, and the API
    kept only the first line. ``None``: any other error."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf
    from omegaconf.errors import ConfigTypeError

    from mia_defense.constraints import shape_refusal

    cause = exc.__cause__
    line = str(exc).removeprefix("Error merging override ")
    current = getattr(cause, "parent_node", None)
    if (not isinstance(exc, ConfigCompositionException) or line == str(exc)
            or not isinstance(cause, ConfigTypeError) or not str(cause).startswith("Cannot merge ")
            or not isinstance(current, DictConfig | ListConfig)):
        return None
    try:
        given = OverridesParser.create().parse_override(line).value()
    except Exception:  # (Hydra parsed it once already; the value only shapes the example)
        given = None
    plain = OmegaConf.to_container(current, resolve=False)
    return shape_refusal(str(cause.full_key), line.partition("=")[2], given, plain,
                         shell=shell)


def sweep_of_unselected_points(
    key: str, overrides: Sequence[str], *, loader: Any = None, plain: bool = False
) -> str | None:
    """How to write a sweep whose ``overrides`` set ``key``, a key of a config of a group
    they sweep (``-m 'defense=dp,none' defense.dp.target_epsilon=1``), or ``None`` where they
    sweep no such group, or every point selects the config and ``key`` is set with ``++``.

    ``plain``: ``key`` was given without ``+``/``++`` and not swept: Hydra composes a sweep's
    shared config
    before its points, with the group at its default, and refused it there (before any run;
    Hydra's issue 2888: expected). With ``++`` each point that does not select the config
    was refused as it came (after the others had trained); with ``+`` each point that does
    was refused by Hydra ("Could not append"). The advice: ``++KEY=V`` where every point
    selects the config; else two sweeps into one folder, the points that select it with
    the setting and the others without it. Never raises: advice only (an error of its own
    would replace Hydra's, or stop a sweep that runs)."""
    try:
        return _sweep_advice(key, overrides, loader=loader, plain=plain)
    except Exception:  # (a config file that cannot be read: Hydra names it)
        return None


def _sweep_advice(
    key: str, overrides: Sequence[str], *, loader: Any, plain: bool
) -> str | None:
    """`sweep_of_unselected_points`, which may raise."""
    import shlex

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.config_keys import configs_holding, packaged_configs, point_selects

    bare = key.lstrip("+~")
    holding = configs_holding(bare)
    if holding is None:
        return None
    group, owners = holding
    parser = OverridesParser.create(config_loader=loader)
    parsed = []
    for text in overrides:
        try:
            parsed.append((str(text), parser.parse_overrides([str(text)])[0]))  # (globs too)
        except Exception:  # (Hydra names a text it cannot parse itself)
            continue
    sweep = next(((text, o) for text, o in parsed if o.key_or_group == group and
                  o.package is None and o.is_sweep_override()), None)  # fmt: skip
    if sweep is None:
        return None
    points = _sweep_points(group, sweep[0], loader=loader)
    if points is None:
        return None
    if not all(point_selects(group, point, packaged_configs(group)) or point in ([], "[]")
               for point, _ in points):  # fmt: skip
        return None  # a config of the user's own (its keys are Hydra's to know)
    setting = next((text for text, o in parsed if o.key_or_group == bare and not o.is_delete()),
                   bare)  # fmt: skip
    value = setting.partition("=")[2]
    which = f"the defense {next(iter(owners))!r}" if group == "defense" else \
        f"{group}={' or '.join(sorted(owners))}"  # fmt: skip
    selecting = [text for point, text in points if point_selects(group, point, owners)]
    others = [text for point, text in points if not point_selects(group, point, owners)]
    start = (f"{bare}={value} sets a key of {which}, which the sweep's shared config lacks: "
             f"Hydra composes it before the points of {sweep[0]}, with {group} at its "
             "default; nothing was run. ") if plain else ""  # fmt: skip
    if not selecting:  # (the split's first sweep would have no point: 'mia-train -m defense= ...')
        return (f"{start}{'No' if plain else setting + ': no'} point of {sweep[0]} selects "
                f"{which}, so the setting would set nothing{'' if plain else '; nothing was run'}"
                f". Drop it, or select {which} in the points it is for (e.g. "
                f"{_selecting_example(group, sorted(owners)[0], [p for p, _ in points])})")
    if not others:
        if setting.startswith("++") or not (plain or setting.startswith("+")):
            return None  # (a swept key, KEY=A,B, is set in each point's config: it works)
        return (f"{start or setting + ': e'}{'E' if start else ''}very point of {sweep[0]} "
                f"selects {which}: write {shlex.quote(f'++{bare}={value}')} "
                "(Hydra's force-add: the key goes into the shared config and each point sets "
                "it)")  # fmt: skip

    def command(points: list[str], *, keep_setting: bool) -> str:
        words = []
        for text, o in parsed:
            if text == sweep[0]:
                text = f"{group}={','.join(points)}"
            elif (holding_of := configs_holding(o.key_or_group)) and holding_of[0] == group:
                if not keep_setting:
                    continue  # a setting of a config these points do not select
                # one point: the shared config selects it; several: only ++ sets it there
                # (a swept key is set in each point's config alone)
                force = "++" if len(points) > 1 and not o.is_sweep_override() else ""
                text = f"{force}{o.key_or_group}={text.partition('=')[2]}"
            elif text.startswith("hydra.mode="):
                continue
            words.append(shlex.quote(text))
        if not any(text.startswith("hydra.sweep.dir=") for text, _ in parsed):
            words.append(f"hydra.sweep.dir=multirun/{group}")
        return "mia-train -m " + " ".join(words)

    refused = "" if plain else (
        "; nothing was run (those points would be refused as they came, after the "
        "others had trained)" if setting.startswith("++") else
        "; nothing was run")  # fmt: skip
    return (f"{start}{'The' if plain else setting + ': the'} points {group}="
            f"{','.join(others)} of {sweep[0]} do not select {which}, so it cannot be set "
            f"there{refused}. Run the points that select it and the others as two sweeps into "
            f"one folder (mia-report of that folder compares them all): "
            f"{command(selecting, keep_setting=True)}, then "
            f"{command(others, keep_setting=False)}")  # fmt: skip


def _selecting_example(group: str, owner: str, points: Sequence[Any]) -> str:
    """The sweep of ``group`` whose points each select ``owner`` (a defense added to each
    point's list: ``'defense=[dp],[dp,label_smoothing]'``; another group: ``model=mlp``)."""
    import shlex

    if group != "defense":
        return f"{group}={owner}"
    lists = []
    for point in points:
        names = [str(n) for n in (point if isinstance(point, list) else [point])]
        lists.append(f"[{','.join([owner, *(n for n in names if n not in ('none', owner))])}]")
    return shlex.quote(f"defense={','.join(dict.fromkeys(lists))}")


def _packaged_glob(group: str, value: Any) -> list[tuple[str, str]] | None:
    """``(point, text)`` of each packaged config of ``group`` that the glob ``value``
    (``defense=glob(*)``) selects; ``None`` where ``value`` is no glob."""
    from hydra.core.override_parser.types import Glob

    from mia_defense.config_keys import packaged_configs

    if not isinstance(value, Glob):
        return None
    return [(name, name) for name in value.filter(sorted(packaged_configs(group)))]


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
