"""The packaged config's groups and keys as an override names them, for the checks of
mia-train, mia-attack and the API's audits alike: which groups training fixes, and the
closest key to a misspelt one. Light: no Hydra, no torch (read at a command's start-up)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

__all__ = [
    "FIXED_GROUPS",
    "NAMED_ENTRIES",
    "TRAINING_GROUPS",
    "configs_holding",
    "defense_not_selected",
    "deleted_key_hint",
    "misspelt_group_key",
    "misspelt_group_key_message",
    "packaged_configs",
    "point_selects",
    "training_group",
    "unselected_config_hint",
    "user_config_folders",
]


# mia-train's settings that shape the models or what they release: fixed once the models are
# trained and queried, so mia-attack and the API's audits refuse an override of them.
TRAINING_GROUPS = frozenset({"dataset", "model", "plan", "train", "defense", "release"})


def training_group(override: str) -> str | None:
    """The one of `TRAINING_GROUPS` that ``override`` sets (``release`` of
    ``+release=topk``, ``train`` of ``train.lr=0.1``), or ``None``."""
    group = override.partition("=")[0].lstrip("+~").strip().split(".")[0].split("/")[0]
    return group if group in TRAINING_GROUPS else None


def user_config_folders(args: Sequence[str]) -> bool:
    """Whether ``args`` add config folders of the user's own (their groups and keys are
    Hydra's to know, not the packaged config's)."""
    return any(a.startswith(("hydra.searchpath", "--config-dir", "-cd")) for a in args)


# Groups whose keys are fixed (not a _target_'s): a misspelt one is named with the closest.
FIXED_GROUPS = ("plan", "train", "attack")


@functools.cache
def _packaged_yaml(group: str, config: str) -> Any:
    """The packaged ``conf/<group>/<config>.yaml`` as YAML reads it, read once per process
    (the checks of one command asked for one file for each override, three or four times
    over), frozen (`_frozen`: mappings to ``MappingProxyType``, lists to tuples) so that no
    caller can change what the next one reads. An unreadable or malformed file raises its
    `OSError` or `yaml.YAMLError` each time (not cached)."""
    from importlib.resources import files

    import yaml

    return _frozen(yaml.safe_load(files("mia_defense.conf").joinpath(group)
                                  .joinpath(f"{config}.yaml").read_text()))  # fmt: skip


def packaged_setting(group: str, config: str, path: Sequence[str]) -> Any:
    """The value at ``path`` (``["attacks", "rmia", "gamma"]``) of the packaged
    ``conf/<group>/<config>.yaml`` as `_packaged_yaml` reads it (a list as a tuple);
    ``None`` where it has none."""
    node: Any = _packaged_yaml(group, config)
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _frozen(node: Any) -> Any:
    """``node`` (plain YAML data) with its mappings read-only and its lists tuples."""
    if isinstance(node, dict):
        return MappingProxyType({key: _frozen(value) for key, value in node.items()})
    if isinstance(node, list):
        return tuple(_frozen(value) for value in node)
    return node


def misspelt_group_key(
    args: Sequence[str], groups: Sequence[str] = FIXED_GROUPS
) -> tuple[str, str, str, str] | None:
    """The first override of ``args`` that sets a key of ``plan``, ``train`` or ``attack``
    (or of ``attack.queries``, ``attack.canaries``; ``groups``: those of them looked at) the
    packaged config lacks but that is close to one (``plan.num_model=4``): ``(override, node,
    name, closest)``. Hydra said "Could not override 'plan.num_model'. To append to your
    config use +plan.num_model=4", advice that was then refused as an unknown key."""
    from mia_defense.errors import closest

    if user_config_folders(args):
        return None  # a config of the user's own may hold other keys
    for arg in args:
        if arg.startswith(("-", "+", "~")) or "=" not in arg:
            continue
        *path, name = arg.split("=", 1)[0].split(".")
        if not path or path[0] not in groups or not name.isidentifier():
            continue
        node = _packaged_yaml(path[0], "default") or {}
        for part in path[1:]:
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or name in node or (path[:2] == ["attack", "attacks"]):
            continue
        close = closest(name, sorted(map(str, node)))
        if close:
            return arg, ".".join(path), name, close
    return None


def misspelt_group_key_message(found: tuple[str, str, str, str]) -> str:
    """`misspelt_group_key`'s find in words, Hydra's kept (its "+" advice left out)."""
    _, node, name, close = found
    return (f"Could not override '{node}.{name}' (Key {name!r} is not in struct): {node} has "
            f"no key {name!r}; did you mean {close!r}?")  # fmt: skip


# Groups whose configs differ in their keys: a key of another config than the selected one
# (dataset.path with dataset=digits), or a config's name read as a key (release.topk.k).
_CHOICE_GROUPS = ("defense", "release", "model", "dataset")


def defense_not_selected(name: str) -> str:
    """The advice for a setting of the packaged defense ``name`` while it is not selected."""
    return (f"the defense {name!r} is not selected: add it with defense={name} (or "
            f"'defense=[{name},...]') before setting defense.{name}.*")


def deleted_key_hint(key: str, config: Mapping[str, Any] | None = None) -> str | None:
    """What a ``~KEY`` of a key the config lacks most likely meant (Hydra said only "Could not
    delete from config. 'KEY' does not exist."): a key of a selected defense or attack one
    level up (``defense=dp ~defense.delta``; read from ``config``, the config as composed when
    the delete failed, where given), an attack under another name (``~attack.attacks.lira``:
    its attacks and the closest), a defense that is not selected (``~defense.dp`` or
    ``~defense.dp.delta`` without ``defense=dp``), a misspelt key of ``plan``, ``train`` or
    ``attack``, or a setting that is null (Hydra reads null as absent:
    ``~attack.num_targets``). ``None``: anything else."""
    from mia_defense.errors import closest_few

    group, _, rest = key.partition(".")
    *path, name = rest.split(".") if rest else [""]
    if config is not None and not rest and (hint := _top_level_hint(key, config)):
        return hint
    if config is not None:
        try:
            hint = _entry_delete_hint(key, config)
        except Exception:  # (a node that does not resolve: the packaged files' hint below)
            hint = None
        if hint is not None:
            return hint
        holders = defenses_holding(name) if group == "defense" and not path else []
        if holders and isinstance(config.get("defense"), Mapping):  # (none of them selected)
            return _unselected_holder_hint(name, holders, [str(n) for n in config["defense"]])
    if group == "defense" and not path and name == "none":
        return ("defense=none selects no defense and adds no entry (defense.none is never "
                "there), so there is nothing to delete: drop '~defense.none'")  # fmt: skip
    if group == "defense" and not path and name in packaged_configs("defense"):
        return _NOT_SELECTED_TO_DELETE.format(name=name)
    if group == "defense" and len(path) == 1 and path[0] in packaged_configs("defense"):
        entry = (_packaged_yaml(group, path[0]) or {}).get(path[0])  # (~defense.dp.delta)
        if isinstance(entry, Mapping) and name in entry and entry[name] is None:
            return (f"{key} is null, which Hydra's '~' reads as absent; a keyword of the "
                    f"defense stays: set it instead ({key}=VALUE)")
    if group not in FIXED_GROUPS or not name:
        return None
    node = packaged_setting(group, "default", path)
    if not isinstance(node, Mapping):
        return None
    if name in node and node[name] is None:
        return (f"{key} is null, which Hydra's '~' reads as absent; a setting stays: set it "
                f"instead ({key}=VALUE)")
    keys = [str(k) for k in node]
    close = closest_few(name, keys, prefixes=True)
    meant = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    if path == ["attacks"] and group == "attack":
        return f"{meant}(its attacks: {', '.join(keys)})"
    return (f"{meant}(its keys: {', '.join(keys)}); a setting cannot be deleted (each is "
            "required): set it instead")


def _top_level_hint(key: str, config: Mapping[str, Any]) -> str | None:
    """`deleted_key_hint` for ``~KEY`` of a top-level setting of ``config`` that is null
    (mia-attack's ``seed``, the run's own) or not given yet (``source: ???``, given as
    PATH): Hydra's '~' reads either as absent and said only "'seed' does not exist"."""
    from omegaconf import DictConfig, OmegaConf

    if not isinstance(config, DictConfig) or key not in config.keys():
        return None  # (a missing value is not `in` a DictConfig: its key is in its keys)
    node = config._get_node(key)
    if OmegaConf.is_missing(config, key):
        return (f"{key} has no value yet (???), so there is nothing to delete; a setting "
                f"stays: give it instead ({key}=VALUE), or drop '~{key}'")
    if node is not None and node._is_none():
        return (f"{key} is null, which Hydra's '~' reads as absent; a setting stays: set it "
                f"instead ({key}=VALUE)")
    return None


def defenses_holding(name: str) -> list[str]:
    """The packaged defenses whose entry holds the key ``name`` (``delta``: ``["dp"]``;
    ``alpha``: ``["mixup", "relaxloss"]``); none for a defense's name or a ``_`` key."""
    if not name or name.startswith("_") or name in packaged_configs("defense"):
        return []
    return [config for config in sorted(packaged_configs("defense"))
            if name in packaged_defense(config)]  # fmt: skip


def packaged_defense(name: str) -> Mapping[str, Any]:
    """The settings of the packaged defense ``name`` (conf/defense/<name>.yaml's entry
    ``name``); empty for none of that name (``none``: nothing in its file)."""
    if name not in packaged_configs("defense"):
        return {}
    entry = packaged_setting("defense", name, [name])
    return entry if isinstance(entry, Mapping) else {}


def _unselected_holder_hint(name: str, holders: list[str], selected: list[str]) -> str:
    """`deleted_key_hint` for ``~defense.NAME`` where NAME is a key of the packaged defenses
    ``holders``, none of them among the ``selected`` (``~defense.delta`` with no defense:
    Hydra's bare "does not exist")."""
    which = (f"the defense {holders[0]}, which is not" if len(holders) == 1 else
             f"the defenses {', '.join(holders)}, none of which is")  # fmt: skip
    now = f"the defenses selected: {', '.join(selected)}" if selected else "no defense is selected"
    choice = f"defense=[{','.join([*selected, holders[0]])}]" if selected else \
        f"defense={holders[0]}"  # fmt: skip
    return (f"{name} is a key of {which} selected ({now}), so there is nothing to delete, and "
            f"a setting of a defense cannot be deleted: to set it, select the defense and "
            f"write it under its name ({'e.g. ' if len(holders) > 1 else ''}{choice} "
            f"defense.{holders[0]}.{name}=VALUE)")


_NOT_SELECTED_TO_DELETE = ("the defense {name!r} is not selected, so there is nothing to "
                           "delete; defense=[NAME,...] selects the defenses (defense=[] for "
                           "none)")  # fmt: skip
# The nodes whose entries are named by the user (an attack, a defense of one's own).
NAMED_ENTRIES = {"attack.attacks": "attack", "defense": "defense"}


def _entry_delete_hint(key: str, config: Mapping[str, Any]) -> str | None:
    """`deleted_key_hint` for ``~defense.*`` and ``~attack.attacks.*`` from the composed
    ``config``: a key of a selected entry one level up (``~defense.delta`` with dp selected:
    set ``defense.dp.delta`` instead, as a setting cannot be deleted), or a key of a packaged
    defense that is not selected (``~defense.dp.delta`` without ``defense=dp``, which the
    packaged file alone read as dp's null delta)."""
    for where, entry in NAMED_ENTRIES.items():
        if not key.startswith(f"{where}."):
            continue
        entries: Any = config
        for part in where.split("."):
            entries = entries.get(part) if isinstance(entries, Mapping) else None
        if not isinstance(entries, Mapping):
            return None
        first, _, below = key[len(where) + 1 :].partition(".")
        if first in entries:
            return None
        if below:  # (a key of an entry that is not there)
            if entry == "defense" and "." not in below and first in packaged_configs(entry):
                return _NOT_SELECTED_TO_DELETE.format(name=first)
            return None
        holders = [str(k) for k in entries
                   if isinstance(entries.get(k), Mapping) and first in entries[k]]  # fmt: skip
        if not holders:
            return None
        written = f"{where}.{holders[0]}.{first}=VALUE"
        if len(holders) > 1:
            written = f"{where}.NAME.{first}=VALUE (e.g. {written})"
        return (f"{first} is a key of the {entry}{'s' if len(holders) > 1 else ''} "
                f"{', '.join(holders)}, and a setting of {'an' if entry == 'attack' else 'a'} "
                f"{entry} cannot be deleted: set {written} instead")
    return None


def configs_holding(key: str) -> tuple[str, frozenset[str]] | None:
    """``(group, configs)``: the packaged configs of one of the groups whose configs differ
    in their keys whose selection gives the composed config ``key`` (``defense.dp.sigma``:
    ``("defense", {"dp"})``; ``release.k``: ``("release", {"topk"})``); ``None`` for a key
    of no such group, or that no config holds (a config's name read as a key included)."""
    group, _, rest = key.lstrip("+~").partition(".")
    name = rest.split(".")[0]
    if group not in _CHOICE_GROUPS or not name:
        return None
    configs = sorted(packaged_configs(group))
    if group == "defense":  # (each lands under defense.<name>)
        return (group, frozenset({name})) if name in configs and name != "none" else None
    if name in configs or name == "defaults":
        return None
    owners = frozenset(config for config in configs if name in _keys_of(group, config))
    return (group, owners) if owners else None


def _keys_of(group: str, config: str, depth: int = 0) -> set[str]:
    """The top keys of the packaged config ``config`` of ``group``, with those
    of the configs of the group its defaults list names (``digits_standardized`` holds
    every key of ``digits``)."""
    import yaml

    try:
        node = _packaged_yaml(group, config) or {}
    except (OSError, yaml.YAMLError):
        return set()
    if not isinstance(node, Mapping):
        return set()
    keys = {str(key) for key in node if key != "defaults"}
    for entry in node.get("defaults") or [] if depth < 8 else []:
        if isinstance(entry, str) and entry not in ("_self_", config):
            keys |= _keys_of(group, entry.lstrip("/"), depth + 1)
    return keys


def packaged_configs(group: str) -> frozenset[str]:
    """The names of the packaged configs of ``group`` (conf/<group>/*.yaml)."""
    from importlib.resources import files

    folder = files("mia_defense.conf").joinpath(group)
    if not folder.is_dir():
        return frozenset()
    return frozenset(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def point_selects(group: str, value: object, owners: frozenset[str]) -> bool:
    """Whether a sweep's point that gives ``group`` the ``value`` (a config's name, or a
    list of them for ``defense``) selects one of ``owners``."""
    names = value if isinstance(value, list | tuple) else [value]
    return any(str(getattr(name, "text", name)) in owners for name in names)  # (QuotedString)


def unselected_config_hint(key: str) -> str | None:
    """What an override of ``key`` that the composed config lacks most likely meant, where
    it names a config of a group that is not selected (``defense.dp.target_epsilon`` without
    ``defense=dp``, ``release.topk.k``) or a key only other configs of the group have
    (``dataset.path`` with ``dataset=digits``); ``None`` otherwise. Hydra said "To append to
    your config use +defense.dp.target_epsilon=1", advice that was then refused as a defense
    that is not selected, or would add a key nothing reads."""
    group, _, rest = key.partition(".")
    name = rest.split(".")[0]
    if group not in _CHOICE_GROUPS or not name:
        return None
    configs = sorted(packaged_configs(group))
    if group == "defense":
        if name not in configs or name == "none":
            return None
        return defense_not_selected(name)
    if name in configs:
        then = f", then set its keys as {group}.{rest.partition('.')[2]}" if "." in rest else ""
        return (f"{name!r} is a config of conf/{group}/, not a key of {group}: select it with "
                f"{group}={name}{then}")  # fmt: skip
    owners = []
    for config in configs:
        node = _packaged_yaml(group, config) or {}
        if isinstance(node, Mapping) and name in node and name != "defaults":
            owners.append(config)
    if not owners:
        return None
    which = f"{group}={owners[0]}" if len(owners) == 1 else \
        f"one of {group}={', '.join(owners)}"  # fmt: skip
    return (f"the selected {group} config has no key {name!r}; it is a key of {which}: select "
            f"{'it' if len(owners) == 1 else 'one'} before setting {group}.{rest}")  # fmt: skip
