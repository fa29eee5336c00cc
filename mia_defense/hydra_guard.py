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
Split by job: the checks of the composed ``hydra`` node are `mia_defense.hydra_node_checks`',
the tool running and the config files of one's own `mia_defense.own_config_checks`'. This
module keeps the wrapping itself (`guard_config_loading`, which installs its patches of
Hydra's loader when first called) and the refusals of overrides and search path entries that
the wrapped methods run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import yaml
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, ListConfig

from mia_defense.hydra_node_checks import OWN_CALLBACKS, refuse_code_in_hydra
from mia_defense.own_config_checks import (
    _TOOL_OF,
    _TOOLS,
    _climbed_out_problem,
    _climbs_to_no_key,
    _config_of_its_tool,
    _kind_written,
    _loaded_object_refusal,
    _names_no_config,
    _own_file_refusal,
    _running_base,
    _written,
)
from mia_defense.targets import is_forbidden

__all__ = [
    "guard_config_loading",
    "searchpath_problem",
]


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
        file = _record_file(record, loaded, default) if record is not None else None
        if file is not None:  # (the empty mappings of each config file, as Hydra merges it)
            _empty_mappings_of(loaded.config, file, record, package=default.package)
        return loaded

    @functools.wraps(load)
    def load_configuration(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> DictConfig:
        from mia_defense.composed_overrides import _empty_mapping_file_problems, override_problems

        outer = getattr(self, "_mia_files", None)
        self._mia_files = record = _new_record()
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
        own = _listed_primary_refusal(self, defaults) if _TOOLS else None
        if own is not None:  # (refused as the run refuses it)
            raise own
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


def _new_record() -> dict[str, Any]:
    """An empty record of the config files the loader reads (`_record_file`)."""
    return {"seen": set(), "found": [], "primary": None, "ours": False, "empty": None,
            "climbed": None, "shape": None, "bare": None}


def _record_file(record: dict[str, Any], loaded: Any, default: Any) -> str | None:
    """Record in ``record`` what Hydra's ``loaded`` config file (its defaults list's entry
    ``default``) holds that `_own_file_refusal` refuses: a package's (one of ours), the
    primary, an empty primary, a string or list, a primary built on no config, an include
    out of the config folders. Returns the file's name (``file://PATH``), or None for
    Hydra's own files (hydra/...: left out)."""
    if str(loaded.path) == _PACKAGED:
        record["ours"] = True
    path = str(default.config_path or "")
    if path.startswith("hydra/"):
        return None
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
    return file


def _listed_primary_refusal(loader: Any, defaults: Any) -> Exception | None:
    """The run's refusal (`_own_file_refusal`) of the primary config of one's own that
    ``--info defaults`` lists (``defaults``, Hydra's defaults list): empty, a string or a
    list, or built on no config. The list loads no config, and printed it (exit 0) where a
    run refuses it; the primary file alone is read (the callbacks it holds itself)."""
    primary = next((entry for entry in defaults.defaults if entry.primary), None)
    loaded = (loader.repository.load_config(primary.config_path)
              if primary is not None and primary.config_path else None)  # fmt: skip
    record = _new_record()
    if loaded is None or _record_file(record, loaded, primary) is None:
        return None
    tool = _TOOLS[-1]
    return _own_file_refusal(record, tool, loaded.config, tool)


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
