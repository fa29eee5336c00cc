"""The tool running (`tool_running`: mia-train's or mia-attack's primary config, whose own
callbacks every config composed inside it is held to) and the config files of one's own as
Hydra loads them, refused with what to write: a primary config that is empty or includes no
config (built on none of the tool's), a file holding a list, a string or one value where
settings are (`_own_file_refusal`, `_loaded_object_refusal`), an include that climbs out of
the config folders (`_climbed_out_problem`). `mia_defense.hydra_guard`'s wrapped loader
records each file as it loads it (`_written`, `_kind_written`, `_names_no_config`,
`_climbs_to_no_key`) and asks these.
Split out of `mia_defense.hydra_guard` (the wrapping of Hydra's loader) by job.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import yaml
from omegaconf import DictConfig

from mia_defense.hydra_node_checks import OWN_CALLBACKS, _missing_own_callbacks, _plain

__all__ = ["tool_running"]


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
