"""Lists of a config group that Hydra merges into one config before any code of ours sees
them: a defense listed twice (``defense=[dp,dp]``: one ``defense.dp``, trained once) and a
list of releases, models, datasets... (``release=[label_only,full]``: the last ``_target_``
wins). The composed
config keeps no trace of the list; only the overrides that gave it do (the command line's,
a sweep's ``hydra.sweeper.params``, a job's ``hydra.overrides.task``, the compose API's
with ``return_hydra_config=True``), so these read the overrides. mia-train refuses them
before the run directory is made; `mia_defense.config.check_config` where the overrides
are at hand."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mia_defense.override_checks import parsed_override

__all__ = ["job_overrides", "merged_list_problem", "sweep_param_overrides"]


def _choices(overrides: Sequence[str], group: str) -> Iterable[list[str]]:
    """Each list ``overrides`` give ``group`` (``defense=[dp,dp]``; each point of a sweep
    ``defense=[dp],[dp,dp]`` or ``choice([dp,dp],[none])``); overrides Hydra cannot parse
    are left to Hydra, which reports them."""
    for override in filter(None, map(parsed_override, map(str, overrides))):
        if override.key_or_group != group:
            continue
        value = override.value()
        for choice in value.list if hasattr(value, "list") else [value]:
            if isinstance(choice, list):
                yield [str(name) for name in choice]


# The groups whose configs are meant to be merged: defenses stack, experiments are diffs
# (``hydra`` holds Hydra's own groups).
_MERGED_GROUPS = frozenset({"defense", "experiment", "hydra"})


@functools.cache
def _single_choice_groups() -> tuple[str, ...]:
    """The packaged config groups that take one config (release first: its words are
    pinned): every folder of ``conf/`` but `_MERGED_GROUPS`."""
    from importlib.resources import files

    folders = {p.name for p in files("mia_defense.conf").iterdir()
               if p.is_dir() and not p.name.startswith("_")}  # fmt: skip
    return ("release", *sorted(folders - _MERGED_GROUPS - {"release"}))


def stacked_release_problem(overrides: Sequence[str]) -> str | None:
    """A list of configs of a group that takes one: releases (``release=[label_only,full]``),
    models (``model=[mlp,cnn]``), datasets (``dataset=[digits,breast_cancer]``: the run
    trained on breast_cancer alone, without a word), plans, launchers... Hydra merges the list
    into one config, the last's keys over the others'."""
    for group in _single_choice_groups():
        for names in _choices(overrides, group):
            if len(set(names)) > 1:
                listed = ",".join(names)
                what = "releases" if group == "release" else f"{group} configs"
                return (f"{group}=[{listed}]: {group} takes one choice ({what} do not stack: "
                        "the last would silently replace the others); nothing was run. Pick "
                        f"one ({group}={names[0]}), or sweep them with -m {group}={listed}")
    return None


def repeated_defense_problem(overrides: Sequence[str]) -> str | None:
    """A list of defenses naming one twice (``none`` adds nothing, twice or not)."""
    for names in _choices(overrides, "defense"):
        twice = next((n for n in names if n != "none" and names.count(n) > 1), None)
        if twice is None:
            continue
        once = ",".join(dict.fromkeys(names))
        return (f"defense=[{','.join(names)}]: {twice} is listed twice; a defense runs once "
                f"(its settings are the one defense.{twice}), so the run would train it once, "
                f"not twice; nothing was run. List each defense once (defense=[{once}]); to "
                f"compare two settings of it, sweep them (-m defense={twice} "
                f"defense.{twice}.KEY=A,B)")  # fmt: skip
    return None


def merged_list_problem(overrides: Sequence[str]) -> str | None:
    """The first list ``overrides`` give that Hydra would merge into one config: a list of
    releases, then a defense listed twice; ``None`` if there is none."""
    return stacked_release_problem(overrides) or repeated_defense_problem(overrides)


def sweep_param_overrides(params: Mapping[Any, Any] | None) -> list[str]:
    """``hydra.sweeper.params`` as the overrides they stand for (``defense: "[dp],[none]"``:
    ``defense=[dp],[none]``), for the checks of the command line's overrides."""
    return [f"{str(key).lstrip('+~')}={value}" for key, value in (params or {}).items()]


def job_overrides(cfg: Any) -> list[str]:
    """The overrides that composed ``cfg``: its own ``hydra.overrides.task`` (the compose
    API's with ``return_hydra_config=True``; mia-train's callbacks), else the running Hydra
    job's (each job of a sweep), else none (a plain ``compose``: nothing is left to read)."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import DictConfig, OmegaConf

    node = OmegaConf.select(cfg, "hydra.overrides.task", default=None) \
        if isinstance(cfg, DictConfig) and "hydra" in cfg else None  # fmt: skip
    if node is None and HydraConfig.initialized():
        node = HydraConfig.get().overrides.task
    texts = OmegaConf.to_container(node, resolve=False) if node is not None else None
    return [str(text) for text in texts] if isinstance(texts, list) else []
