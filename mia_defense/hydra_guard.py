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
The loader also rewords Hydra's composition errors (`mia_defense.composition_errors`) and
refuses overrides that compose but do not do what was meant
(`mia_defense.composed_overrides`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import yaml
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, ListConfig

from mia_defense.targets import (
    HYDRA_CALLBACKS,
    MAX_DEPTH,
    forbidden_target_problems,
    is_forbidden,
    target_is_forbidden,
)

__all__ = [
    "blank_folder_settings",
    "guard_config_loading",
    "refuse_code_in_hydra",
    "searchpath_problem",
    "unresolvable_settings",
]


# The callbacks of ours that no config may drop or replace, by primary config (mia-train's
# ``config``, mia-attack's ``mia_attack``; any config composed while a tool runs is held to
# that tool's, `tool_running`; any other named one to mia-train's): they
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
# filters (not `logging.config`, which reads and listens for configs), or any callable the
# ``_target_`` policy allows.
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
            if _logging_refused(name):
                problems.append(
                    f"{where}={name!r}: a logging config names a handler, formatter or filter "
                    "class of `logging` or of a package (not the standard library's other "
                    "modules or Hydra's): logging.config.dictConfig would call it"
                )
    for part in ("hydra_logging", "job_logging"):
        problems += _logging_problems(nodes.get(part), f"hydra.{part}")
    problems += _code_loading_env(hydra)
    problems += _job_name_problem(hydra)
    problems += unresolvable_settings(config)
    problems += blank_folder_settings(config)
    if problems:
        from mia_defense.composition_errors import HydraConfigError

        # ("hydra config: " for Hydra's own keys: an override's own interpolation, blamed
        # by `_blame_the_override`, was refused as "hydra config: train.lr='${train.lr}'")
        start = "hydra config: " if any(p.startswith("hydra") for p in problems) else ""
        raise HydraConfigError(start + "; ".join(problems))


# Environment variables that make a process load code from a file they name (a shared
# library, a Python module or start-up file, a shell's start-up file): set by
# ``hydra.job.env_set`` for the job, they reach its subprocesses (a sweep's joblib workers).
_CODE_LOADING_ENV = frozenset({
    "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH",
    "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONWARNINGS",
    "PYTHONBREAKPOINT", "PYTHONEXECUTABLE", "BASH_ENV", "ENV", "PERL5OPT", "NODE_OPTIONS",
})  # fmt: skip


def _code_loading_env(hydra: DictConfig) -> list[str]:
    """A problem line for each variable of `_CODE_LOADING_ENV` that ``hydra.job.env_set``
    sets (``+hydra.job.env_set.LD_PRELOAD=/x.so``, from the command line or a config file
    of someone else's: Hydra set it without a word)."""
    job = hydra._get_node("job") if "job" in hydra else None
    env = job._get_node("env_set") if isinstance(job, DictConfig) and "env_set" in job else None
    if not isinstance(env, DictConfig):
        return []
    return [f"hydra.job.env_set.{name}: makes the job's processes load code from the file it "
            "names; set it in the shell that starts the run, where it is seen, not in a "
            "config" for name in map(str, env) if name.upper() in _CODE_LOADING_ENV]  # fmt: skip


def _job_name_problem(hydra: DictConfig) -> list[str]:
    """The problem of a ``hydra.job.name`` that is a path (``../../escape``): the run's log
    file is named after it (``${hydra.job.name}.log`` in the run directory), so Hydra wrote
    the log outside the run directory, into whatever file that path named."""
    import os

    job = hydra._get_node("job") if "job" in hydra else None
    node = job._get_node("name") if isinstance(job, DictConfig) and "name" in job else None
    try:
        name = job["name"] if node is not None and not node._is_missing() else None
    except Exception:  # (unresolvable: unresolvable_settings names it)
        return []
    if not isinstance(name, str) or not ("/" in name or os.sep in name or name in (".", "..")):
        return []
    return [f"hydra.job.name={name!r}: the run's log file is named after it ({name}.log in the "
            "run directory), and a path puts that file elsewhere; give a name without '/' "
            "(or leave it at its default)"]


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
                what = ("one that does not name itself, nor a key that names it back" if
                        "Recursive interpolation" in said else "an environment variable "
                        "that is set, a key that exists")  # fmt: skip
                blamed.append(f"{key}={value!r}: cannot be resolved ({said}); give a value "
                              f"that resolves ({what}) or leave it at its default")
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
        from mia_defense.composition_errors import HydraConfigError

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


def _logging_refused(name: str) -> bool:
    """Whether a logging config may not name ``name``: judged by the ``_target_`` policy
    outside `logging`, and by where it really lives inside (``logging.os.makedirs``, os's,
    made the folder a config named)."""
    if name.startswith(_LOGGING_REFUSED):
        return True
    if not name.startswith(_LOGGING_PREFIXES):
        return target_is_forbidden(name)
    from hydra._internal.utils import _locate

    try:
        module = getattr(_locate(name), "__module__", None)
    except Exception:
        return False  # (not there: logging's own error names it)
    return not isinstance(module, str) or module.split(".")[0] != "logging" or (
        f"{module}.".startswith(_LOGGING_REFUSED))


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
        other = _not_a_log(filename) if isinstance(filename, str) and filename.strip() else None
        if other is not None:
            problems.append(f"{path}.handlers.{name}.filename={filename!r}: a file that holds "
                            f"other text than log lines ({other!r}); the log would be appended "
                            "to it. Point it at a new file or a log (*.log), or leave it at its "
                            "default (train.log in the run directory)")  # fmt: skip
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


def _not_a_log(filename: str) -> str | None:
    """The first line (60 characters at most) of ``filename`` where it is an existing
    regular file of other text than a log (not named ``*.log``, its first line no log line
    of Hydra's, ``[DATE TIME][``), else ``None``: Hydra appended the run's log lines to
    whatever file a logging config named (``filename: ~/.bashrc`` in a config file of
    someone else's)."""
    import os
    import re
    import stat

    if filename.endswith(".log"):
        return None
    try:
        if not stat.S_ISREG(os.stat(filename).st_mode):
            return None  # (a FIFO would block the open; a device: the open below)
        with open(filename, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return None  # none yet, or not readable: the run-directory checks name it
    text = first.decode("utf-8", "replace").rstrip("\n")
    return None if not first or re.match(r"\[\d{4}-\d\d-\d\d [\d:,]+\]\[", text) else text[:60]


# The primary config of each tool (mia-train's config, mia-attack's mia_attack) running in
# this process, innermost last (`tool_running`).
_TOOLS: list[str] = []
# The command of each tool's primary config.
_TOOL_OF = {"config": "mia-train", "mia_attack": "mia-attack"}


@contextlib.contextmanager
def tool_running(config_name: str = "config") -> Iterator[None]:
    """Every config composed inside the block is mia-defense's (`cli.entry.run_entry`), held
    to the callbacks of the tool whose primary config is ``config_name`` (`OWN_CALLBACKS`),
    whichever config a user names (--config-name own, built on mia_attack)."""
    _TOOLS.append(config_name)
    try:
        yield
    finally:
        _TOOLS.pop()


def _config_of_its_tool(config: DictConfig) -> str:
    """The primary config of the tool whose own callbacks ``config`` names one of (none
    other's: mia-attack's source_check), else mia-train's: a config of one's own composed where
    no tool runs (`tool_running`), a sweep's job in a launcher's worker process (its primary
    config was held to the tool's callbacks where the tool ran)."""
    hydra = config._get_node("hydra") if "hydra" in config else None
    callbacks = hydra._get_node("callbacks") if isinstance(hydra, DictConfig) else None
    named = set(callbacks.keys()) if isinstance(callbacks, DictConfig) else set()
    for name, required in OWN_CALLBACKS.items():
        others = {c for other, theirs in OWN_CALLBACKS.items() if other != name for c in theirs}
        if named & (set(required) - others):
            return name
    return "config"


def _running_base(config_name: str | None) -> str | None:
    """The primary config a config of one's own is built on here (mia-train's ``config``,
    mia-attack's ``mia_attack``): the running tool's (`tool_running`), else ``config_name``
    where it is one of them; ``None``: not known (``--config-name own`` outside the tools)."""
    if _TOOLS:
        return _TOOLS[-1]
    return config_name if config_name in OWN_CALLBACKS else None


def _written(config: Any, file: str) -> Any:
    """What the config file ``file`` (``file://PATH``), which Hydra read as ``config``, holds
    as YAML, where Hydra's reading may hide it: no settings (an empty file, or only
    comments: None), a bare string (``hello``, which OmegaConf reads as ``{hello: null}``),
    a list. ``...`` (Ellipsis): a mapping, a package's config (one of ours), a file not
    read again."""
    from pathlib import Path

    if not file.startswith("file://") or (isinstance(config, DictConfig) and len(config) > 1):
        return ...
    path = Path(file.removeprefix("file://"))
    try:
        written = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else ...
    except (OSError, ValueError, yaml.YAMLError):  # (Hydra's own reading names those)
        return ...
    return written if written is None or isinstance(written, str | list) else ...


def _names_no_config(loaded: Any) -> bool:
    """Whether the defaults list of Hydra's ``loaded`` config names no config (none, ``[]``,
    ``[_self_]``): a primary config of one's own built on no tool's config."""
    entries = getattr(loaded, "defaults_list", None) or []
    return all(entry.is_self() for entry in entries)


def _no_base_refusal(file: str, base: str | None) -> Exception:
    """The refusal of the primary config ``file`` of one's own whose defaults list includes no
    config (no defaults list, ``[]``): built on none of the running tool's (``base``), it
    lacks its settings and mia-defense's callbacks, and was refused as missing those."""
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.composition_errors import HydraConfigError
    from mia_defense.config_file_refusals import own_config_start
    from mia_defense.constraints import shown_path

    tools = (f"{_TOOL_OF[base]}'s config ({base}.yaml: its settings, its checks of the run)"
             if base in _TOOL_OF else "mia-train's config (config.yaml) or mia-attack's "
             "(mia_attack.yaml), their settings and checks of the run")  # fmt: skip
    return HydraConfigError(
        f"{shown_path(config_file_shown(file))}: its defaults list includes no config, so none "
        f"of {tools} is in it; nothing was run. A config of one's own starts with "
        f"{own_config_start(base)}, then one 'key: value' line for each setting it changes")


def _own_file_refusal(record: dict[str, Any], base: str | None,
                      config: DictConfig | None = None, held_to: str | None = None,
                      ) -> Exception | None:
    """The refusal of a config file of one's own that ``record`` (the loader's, of the files
    Hydra merged) found holding no settings, no mapping, or (the primary) no config to build
    on; ``base``: the running tool's primary config (None: not known). ``config``: the
    composed config, where the last is refused only as lacking the callbacks of the primary
    config ``held_to`` (what a run was refused for); ``None``: Hydra's composition failed (on
    an override no config of that file has, mia-attack's source=)."""
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.config_file_refusals import no_mapping_refusal
    from mia_defense.constraints import shown_path

    if record["empty"] is not None:  # (refused as its callbacks "missing")
        return _empty_config_refusal(record["empty"], base)
    if record["shape"] is not None:  # (a string: "+hello=null: unknown top-level key")
        file, kind, primary = record["shape"]
        return no_mapping_refusal(shown_path(config_file_shown(file)), kind, base,
                                  primary=primary)
    if record["bare"] is not None and (
            config is None or _lacks_own_callbacks(config, held_to or base)):
        return _no_base_refusal(record["bare"], base)
    return None


def _lacks_own_callbacks(config: DictConfig, base: str | None) -> bool:
    """Whether the composed ``config`` lacks (or replaces) the callbacks of the tool whose
    primary config is ``base`` (mia-train's where not known)."""
    hydra = config._get_node("hydra") if "hydra" in config else None
    node = hydra._get_node("callbacks") if isinstance(hydra, DictConfig) else None
    callbacks = _plain(node, "hydra.callbacks") if node is not None else None
    return bool(_missing_own_callbacks(callbacks, OWN_CALLBACKS.get(base or "config",
                                                                    OWN_CALLBACKS["config"])))


def _kind_written(written: Any) -> str:
    """How a refusal names a string or list a config file holds (`_written`)."""
    from mia_defense.constraints import clipped

    return f"a string ({clipped(repr(written), limit=60)})" if isinstance(written, str) else \
        "a list"  # fmt: skip


def _empty_config_refusal(file: str, base: str | None) -> Exception:
    """The refusal of an empty primary config ``file``, said as such: it was refused as
    missing mia-defense's callbacks ("Keep '- hydra: default' in the primary config's
    defaults"), of a file with no defaults list."""
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.composition_errors import HydraConfigError
    from mia_defense.config_file_refusals import own_config_start
    from mia_defense.constraints import shown_path

    return HydraConfigError(
        f"{shown_path(config_file_shown(file))} is empty; nothing was run. A config of one's "
        f"own starts with {own_config_start(base)}, then one 'key: value' line for each "
        f"setting it changes")


def _climbs_to_no_key(default: Any) -> bool:
    """Whether Hydra's ``default`` includes a config file named with '..' (``../other``)
    under the package that name makes, of keys named '' (``..``); one of
    ``# @package _global_`` (or an entry's ``@PACKAGE``) is merged where it says."""
    package = default.package or ""
    climbs = ".." in str(default.config_path or "").split("/")
    return climbs and bool(package) and "" in package.split(".")


def _climbed_out_problem(file: str, default: Any) -> str:
    """The problem of config file ``file`` included by Hydra's ``default``, an entry naming
    it with '..' out of the config folders (``../other``, ``../other: x``) and found beside
    one: Hydra merged its settings under keys named '' (its package, '..'), where no run
    reads them ("+: unknown top-level key ''"; ``--cfg job`` showed them so)."""
    import os

    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.constraints import shown_path
    from mia_defense.missing_config_refusals import _CLIMBING, _WITHIN

    shown = shown_path(os.path.normpath(config_file_shown(file)))
    return (f"{shown}: the defaults list of {default.parent!r} names it as "
            f"{default.config_path!r}, {_CLIMBING}; Hydra would merge its settings under keys "
            f"named '', where no run reads them; nothing was run. {_WITHIN}")


def _loaded_object_refusal(exc: OSError, base: str | None,
                           config_name: str | None) -> Exception | None:
    """The refusal of a config file holding one value, no mapping (``5``, a string), as the
    primary config (``config_name``) or an included one: Hydra's traceback "OSError: Invalid
    loaded object type: int". ``None``: any other OSError."""
    from mia_defense.config_file_refusals import (
        _KINDS,
        _file_shown,
        _frame_locals,
        no_mapping_refusal,
    )

    kind = str(exc).removeprefix("Invalid loaded object type: ")
    found = _frame_locals(exc, "load_config")  # (the innermost: the source reading the file)
    source, path = (found.get("self"), found.get("config_path")) if found else (None, None)
    if kind == str(exc) or not hasattr(source, "full_path") or not isinstance(path, str):
        return None
    return no_mapping_refusal(_file_shown(source.full_path(), path),
                              _KINDS.get(kind, "a " + kind), base, primary=path == config_name)


# Where Hydra finds mia-defense's packaged configs (a source's path).
_PACKAGED = "pkg://mia_defense.conf"


def guard_config_loading() -> None:
    """Wrap Hydra's config loader once per process so that `refuse_code_in_hydra` checks
    each config it composes, before Hydra builds callbacks, plugins or logging from it, and
    `override_problems` and `_empty_mapping_file_problems` (`mia_defense.composed_overrides`)
    its overrides and config files (its ``_load_single_config`` wrapped too: the files as
    Hydra merges them), and `composition_refusal` rewords Hydra's errors composing them;
    ``--info defaults``, which composes nothing (``compute_defaults_list``), refuses an
    include out of the config folders as a run does."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    load = ConfigLoaderImpl.load_configuration
    if getattr(load, "_mia_guarded", False):
        return

    load_one = ConfigLoaderImpl._load_single_config

    @functools.wraps(load_one)
    def load_single_config(self: ConfigLoaderImpl, default: Any, repo: Any) -> Any:
        from mia_defense.composed_overrides import _empty_mappings_of

        loaded = load_one(self, default, repo)
        record = getattr(self, "_mia_files", None)
        if record is not None and str(loaded.path) == _PACKAGED:
            record["ours"] = True
        path = str(default.config_path or "")
        if record is not None and not path.startswith("hydra/"):  # (Hydra's own: left out)
            # (the empty mappings of each config file, as Hydra merges it)
            file = f"{loaded.path}/{path}.yaml"  # (config_file_shown: as a user finds it)
            record["primary"] = file if default.primary else record["primary"]
            written = _written(loaded.config, file)
            if default.primary and written is None:
                record["empty"] = file
            elif isinstance(written, str | list) and record["shape"] is None:
                record["shape"] = (file, _kind_written(written), default.primary)
            if default.primary and _names_no_config(loaded):
                record["bare"] = file
            if record["climbed"] is None and _climbs_to_no_key(default):
                record["climbed"] = _climbed_out_problem(file, default)
            _empty_mappings_of(loaded.config, file, record, package=default.package)
        return loaded

    @functools.wraps(load)
    def load_configuration(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> DictConfig:
        from mia_defense.composed_overrides import _empty_mapping_file_problems, override_problems

        outer = getattr(self, "_mia_files", None)
        self._mia_files = record = {"seen": set(), "found": [], "primary": None, "ours": False,
                                    "empty": None, "climbed": None, "shape": None,
                                    "bare": None}
        try:
            config = load(self, *args, **kwargs)
        except ConfigCompositionException as exc:
            from mia_defense.composition_errors import composition_refusal
            from mia_defense.config_file_refusals import config_shape_refusal

            own = _own_file_refusal(record, _TOOLS[-1]) if _TOOLS else None
            if own is not None:  # (mia-attack's source=X: no such key)
                raise own from None
            config_name = args[0] if args else kwargs.get("config_name")
            shape = config_shape_refusal(exc, base=_running_base(config_name))
            if shape is not None:  # (the running tool's start only: composition_refusal's
                raise shape from None  # words suggest both)

            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            shell = args[3] if len(args) > 3 else kwargs.get("from_shell", True)
            reworded = composition_refusal(exc, list(overrides or []), loader=self, shell=shell)
            if reworded is None:
                raise
            raise reworded from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:  # (Hydra gives a traceback)
            from mia_defense.composition_errors import HydraConfigError

            said = " ".join(str(exc).split())
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            raise HydraConfigError(
                f"a config file cannot be read as YAML ({said}); fix or remove that file (the "
                f"primary config {args[0] if args else kwargs.get('config_name')!r} or one "
                f"that the overrides {list(overrides or [])} select)"
            ) from None
        except AssertionError:  # (Hydra's assert on a group's choice that is no name)
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            refusal = _choice_interpolation_refusal(list(overrides or []))
            if refusal is None:
                raise
            raise refusal from None
        except RecursionError as exc:  # (config files whose defaults lists include each other)
            from mia_defense.config_file_refusals import defaults_loop_refusal

            refusal = defaults_loop_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None
        except OSError as exc:  # (dataset=<300 characters>: Hydra's stat of the file name)
            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            config_name = args[0] if args else kwargs.get("config_name")
            base = _running_base(config_name)
            refusal = _long_choice_refusal(exc, list(overrides or []), lambda group: set(
                self.get_group_options(group, config_name=config_name,
                                       overrides=list(overrides or []))),
                tool=_TOOL_OF.get(base or "config", "mia-train"),
            ) or _loaded_object_refusal(exc, base, config_name)  # (the running tool's base)
            if refusal is None:
                raise
            raise refusal from None
        except ValueError as exc:  # (after UnicodeDecodeError, a ValueError read above)
            from mia_defense.composition_errors import composition_refusal
            from mia_defense.config_file_refusals import defaults_list_shape_refusal

            overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
            base = _running_base(args[0] if args else kwargs.get("config_name"))
            refusal = defaults_list_shape_refusal(exc, base=base) or composition_refusal(
                exc, list(overrides or []))  # (the former first: its words for the tool's base)
            if refusal is None:
                raise
            raise refusal from None
        finally:
            self._mia_files = outer
        if not (_TOOLS or record["ours"]):
            # (a user's own Hydra app in a process that imported mia_defense.cli.train, to
            # call its run: its configs were refused as mia-train's, "mia-defense's own
            # callback ... is missing"); a tool's configs are checked wherever they come
            # from (--config-path to a copy of the packaged ones)
            return config
        config_name = args[0] if args else kwargs.get("config_name")
        base = _running_base(config_name)
        if config_name is not None and _TOOLS:  # (the running tool's callbacks, not by name)
            config_name = _TOOLS[-1]
        elif config_name is not None and config_name not in OWN_CALLBACKS:
            config_name = _config_of_its_tool(config)
        own = _own_file_refusal(record, base, config, config_name)
        if own is not None:  # (refused below as its callbacks "missing")
            raise own
        if record["climbed"] is not None:
            from mia_defense.composition_errors import HydraConfigError

            raise HydraConfigError(record["climbed"])
        refuse_code_in_hydra(config, config_name)
        overrides = args[1] if len(args) > 1 else kwargs.get("overrides")
        problems = override_problems(config, list(overrides or []))
        problems += _empty_mapping_file_problems(config, record)
        if problems:
            from mia_defense.composition_errors import HydraConfigError

            raise HydraConfigError("; ".join(problems))
        return config

    compute = ConfigLoaderImpl.compute_defaults_list

    @functools.wraps(compute)
    def compute_defaults_list(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> Any:
        defaults = compute(self, *args, **kwargs)  # (--info defaults: no config is loaded)
        climbed = next((d for d in defaults.defaults if _climbs_to_no_key(d)), None)
        if climbed is not None and _TOOLS:  # (refused as the run's composition refuses it)
            from mia_defense.composition_errors import HydraConfigError

            loaded = self.repository.load_config(climbed.config_path)
            raise HydraConfigError(_climbed_out_problem(
                f"{loaded.path}/{climbed.config_path}.yaml", climbed))
        return defaults

    apply = ConfigLoaderImpl._apply_overrides_to_config

    @functools.wraps(apply)
    def apply_overrides(overrides: list[Any], cfg: DictConfig) -> None:
        _refuse_list_appends(overrides, cfg)
        apply(overrides, cfg)

    from hydra._internal.config_repository import ConfigRepository

    initialize = ConfigRepository.initialize_sources

    @functools.wraps(initialize)
    def initialize_sources(self: ConfigRepository, config_search_path: Any) -> None:
        problems = [problem for entry in config_search_path.get_path()
                    if str(entry.provider).startswith("hydra.searchpath")
                    and (problem := searchpath_problem(str(entry.path))) is not None]  # fmt: skip
        if problems:
            from mia_defense.composition_errors import HydraConfigError

            raise HydraConfigError("; ".join(problems))
        initialize(self, config_search_path)

    load_configuration._mia_guarded = True  # type: ignore[attr-defined]
    ConfigRepository.initialize_sources = initialize_sources  # type: ignore[method-assign]
    ConfigLoaderImpl.load_configuration = load_configuration  # type: ignore[method-assign]
    ConfigLoaderImpl._load_single_config = load_single_config  # type: ignore[method-assign]
    ConfigLoaderImpl.compute_defaults_list = compute_defaults_list  # type: ignore[method-assign]
    ConfigLoaderImpl._apply_overrides_to_config = staticmethod(apply_overrides)  # type: ignore[method-assign]


def searchpath_problem(path: str) -> str | None:
    """The problem of an entry of ``hydra.searchpath`` (the command line's or a config
    file's), or ``None``: a folder that is not there (Hydra went on without its configs,
    with a UserWarning), a module that cannot be found (a warning and a traceback's lines),
    or one the ``_target_`` policy refuses, which Hydra imports to read configs from it
    (``pkg://this`` printed the Zen of Python; a package's ``__main__`` runs its program).
    A module already imported runs nothing again (``pkg://hydra.conf``)."""
    import importlib.util
    import os
    import sys

    from mia_defense.constraints import shown_path

    scheme, sep, rest = path.partition("://")
    if not sep:
        scheme, rest = "file", path
    if scheme == "file":
        return None if os.path.isdir(rest) else (
            f"hydra.searchpath: {shown_path(path)}: no such folder; Hydra would go on without it "
            "(its configs not found); give a folder that holds configs, or leave it out")
    name = rest.strip("/").replace("/", ".")
    if scheme not in ("pkg", "structured") or name in sys.modules:
        return None  # (another scheme: Hydra names it)
    if is_forbidden(name, None, any_installed=True):
        return (f"hydra.searchpath: {shown_path(path)}: Hydra imports {name} to read configs from "
                "it, and importing a module of the standard library, a package's __main__ or its "
                "private or test code runs what no config may; name a folder of configs "
                "(file://DIR) or a package of configs of your own")  # fmt: skip
    try:
        found = importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else (
        f"hydra.searchpath: {shown_path(path)}: no module {name.split('.')[0]!r} to read configs "
        "from; give an importable package of configs, or a folder (file://DIR)")


def _choice_interpolation_refusal(overrides: Sequence[str]) -> Exception | None:
    """The refusal of a config group's choice given as an interpolation that resolves to no
    name (``train=${oc.decode:"[1]"}``: Hydra's bare AssertionError, a traceback), or
    ``None`` where no override chooses a group so."""
    from mia_defense.config_keys import packaged_configs
    from mia_defense.override_checks import parsed_override

    for text in map(str, overrides):
        override = parsed_override(text.strip())
        if override is None or "${" not in text.partition("=")[2] or not (
                packaged_configs(override.key_or_group) or "/" in override.key_or_group):
            continue  # fmt: skip
        from mia_defense.composition_errors import HydraConfigError

        group = override.key_or_group
        return HydraConfigError(
            f"{text.strip()}: {group} is a config group, whose choice is the name of one of its "
            f"configs, and this interpolation resolves to no name (a list, a number, a "
            f"mapping); nothing was run. Name the config: {group}=NAME (e.g. "
            f"{group}={next(iter(sorted(packaged_configs(group))), 'NAME')})")
    return None


def _long_choice_refusal(exc: OSError, overrides: Sequence[str],
                         configs: Callable[[str], set[str]], *,
                         tool: str = "mia-train") -> Exception | None:
    """The refusal of a config group's choice, or of a key, too long for a file name
    (Hydra's OSError "File name too long", a traceback, echoing the 100,000-character name
    whole: it looks a key up as a group's folder too, ``train.<300 x>=1``), or ``None`` for
    any other error. ``configs``: the names of a group's configs wherever they are found
    (packaged, or only in a user's ``--config-dir``); ``tool``: the command whose keys a
    refused key is pointed to (mia-attack's ``mia_attack`` config has its own: 'keys:
    mia-train --cfg job' sent a user of ``mia-attack o.npz attack.<300 x>=1`` to another's)."""
    import errno

    from mia_defense.composition_errors import HydraConfigError
    from mia_defense.constraints import clipped

    if exc.errno != errno.ENAMETOOLONG:
        return None
    for text in map(str, overrides):
        group, _, choice = text.strip().lstrip("+~").partition("=")
        if max(len(part.encode()) for part in group.split("/")) > 255:
            return HydraConfigError(
                f"{clipped(text.strip())}: a key of {len(group)} characters, which no config "
                "has (Hydra looks it up as a file name, past the file system's 255 bytes); "
                f"nothing was run. Correct the key (keys: {tool} --cfg job)")
        if max(len(part.encode()) for part in choice.split("/")) > 255 and \
                (names := configs(group)):  # fmt: skip
            return HydraConfigError(
                f"{clipped(text.strip())}: no config of the group {group} has a name that "
                f"long; nothing was run. Name one of its configs, e.g. "
                f"{group}={min(names)}")
    return None


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
