"""The checks of a composed config's ``hydra`` node (`refuse_code_in_hydra`), which
`mia_defense.hydra_guard`'s wrapped config loader runs on every config Hydra composes, before
Hydra builds any of it: no node names code the ``_target_`` policy refuses (the callbacks, a
sweeper's or launcher's objects, logging's handlers, formatters and filters), mia-defense's
own callbacks are there (`OWN_CALLBACKS`), the logging configs are ones `logging.config` can
apply, no ``hydra.job.env_set`` variable loads code, the job's name is no path, and the
settings Hydra reads as it runs resolve (`unresolvable_settings`) and name folders
(`blank_folder_settings`).
Split out of `mia_defense.hydra_guard` (the wrapping of Hydra's loader) by job;
`mia_defense.own_config_checks` words the config files of one's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig

from mia_defense.targets import (
    HYDRA_CALLBACKS,
    MAX_DEPTH,
    forbidden_target_problems,
    target_is_forbidden,
)

__all__ = [
    "blank_folder_settings",
    "refuse_code_in_hydra",
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
