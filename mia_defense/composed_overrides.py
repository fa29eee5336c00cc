"""Overrides and config files that Hydra composes without a word but that do not do what
was meant, as the composed config shows: an empty mapping (``attack.attacks={}``) merged
into a node with entries changes nothing; a deleted keyword of a ``_target_``
(``~defense.dp.delta``) leaves the function's default, which results.json does not record.
`override_problems` lists them for every composition (the tools' guarded loader,
`mia_defense.hydra_guard`, which also records each config file's empty mappings with
`_empty_mappings_of`; the API's `attack_config`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from mia_defense.config_keys import NAMED_ENTRIES as _NAMED_ENTRIES
from mia_defense.errors import first_few
from mia_defense.override_checks import parsed_override
from mia_defense.targets import MAX_DEPTH

__all__ = [
    "deleted_keyword_problems",
    "empty_mapping_problems",
    "override_problems",
]


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
    shown = first_few(names, 6, more=True)
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
    node that is there with no defense selected) is left, and so is the packaged config's
    where one's own primary config includes it (``defaults: [config, _self_]``: h539)."""
    from omegaconf import OmegaConf

    problems = []
    for file, key, primary in record["found"]:
        if key == "defense" and file in (primary, "pkg://mia_defense.conf/config.yaml"):
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
