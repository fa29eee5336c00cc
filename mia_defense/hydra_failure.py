"""What Hydra had composed when it failed, and the refusal raised in its place: the pieces
that `mia_defense.composition_errors` and the refusal modules (`defaults_list_refusals`,
`config_file_refusals`, `missing_config_refusals`) reword Hydra's errors with (this module
imports none of them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.errors import CompactHydraException
from omegaconf import DictConfig

from mia_defense.errors import ConfigError
from mia_defense.override_checks import parsed_override

__all__ = ["HydraConfigError", "composed_when_failed", "primary_config", "swept_groups"]


class HydraConfigError(ConfigError, CompactHydraException):
    """A refused Hydra config: a `ConfigError`, which Hydra prints as one line (exit 2)."""

    def __str__(self) -> str:
        return f"ConfigError: {super().__str__()}"


def composed_when_failed(exc: Exception) -> tuple[DictConfig | None, bool]:
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


def primary_config(
    exc: Exception,
) -> tuple[str, dict[str, tuple[Any, str | None, str]]] | None:
    """The primary config Hydra composed when it failed (its loader and config name are in
    the frame of Hydra 1.3 that composes): ``(how to name it, {group: (its choice, its
    package, how to name the config whose defaults list chose it)})`` of its defaults list
    (the command line's overrides not applied). Named ``config.yaml`` where it is mia-train's
    packaged one, else by its file (a ``--config-dir`` folder's ``--config-name``, where the
    packaged config.yaml's choices were told: h296). The choices of the configs its defaults
    list includes count as its own (`_listed_choices`: ``defaults: [config, _self_]`` chooses
    config.yaml's ``model: mlp``, named config.yaml's: own.yaml's was said, h523).
    ``None``: no such frame, or it cannot be read."""
    trace, found = exc.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "_load_configuration_impl":
            found = trace.tb_frame.f_locals
        trace = trace.tb_next
    name = found.get("config_name") if found is not None else None
    repository = getattr(found.get("self"), "repository", None) if found is not None else None
    if not isinstance(name, str) or repository is None:
        return None
    try:
        result = repository.load_config(name)
    except Exception:  # (advice only: the caller words it without)
        return None
    if result is None:
        return None
    choices: dict[str, tuple[Any, str | None, str]] = {}
    _listed_choices(repository, result, name, choices, {})
    return _label(result, name), choices


def _label(result: Any, name: str) -> str:
    """How a refusal names Hydra's loaded config ``result`` of config path ``name``:
    ``config.yaml`` (packaged), mia-attack's config (Hydra's ConfigStore) or its file."""
    path = str(result.path)
    return (f"{name}.yaml" if path == "pkg://mia_defense.conf" else
            "mia-attack's config" if path.startswith("structured://") and name == "mia_attack"
            else f"config {name}" if path.startswith("structured://") else
            f"{path.removeprefix('file://')}/{name}.yaml")  # fmt: skip


def _listed_choices(repository: Any, result: Any, name: str,
                    choices: dict[str, tuple[Any, str | None, str]],
                    overridden: dict[str, tuple[Any, str]], depth: int = 0) -> None:
    """Add to ``choices`` the ``{group: (its choice, its package, the config that chose
    it)}`` of the defaults list of Hydra's loaded config ``result`` (of config path
    ``name``), and those of the configs its plain entries include (``- config``, whose
    ``model: mlp`` a ``model=...`` then overrides, where ``+model=...`` was offered: Hydra
    refuses it), in the list's order; a config that cannot be read is left out (advice
    only). An ``override GROUP: NAME`` entry chooses for the configs it includes, the
    outermost first (Hydra's ``Overrides.add_override``: ``overridden``)."""
    folder = name.rpartition("/")[0] if depth else ""  # (the primary's: the root)
    label = _label(result, name)
    entries = list(result.defaults_list or [])
    for entry in entries:  # (a list's overrides before its entries: Hydra's order)
        group = str(getattr(entry, "group", None) or "")
        group = group[1:] if group.startswith("/") else f"{folder}/{group}".lstrip("/")
        if getattr(entry, "group", None) is not None and entry.is_override():
            overridden.setdefault(group, (entry.value, label))
    for entry in entries:
        group = getattr(entry, "group", None)
        if group is None:  # (a plain entry: - config, - _self_)
            path = str(getattr(entry, "path", None) or "")
            full = path[1:] if path.startswith("/") else f"{folder}/{path}".lstrip("/")
            if path in ("", "_self_") or depth >= 8:
                continue
            try:
                nested = repository.load_config(full)
            except Exception:  # (advice only)
                nested = None
            if nested is not None:
                _listed_choices(repository, nested, full, choices, overridden, depth + 1)
            continue
        group = str(group)
        group = group[1:] if group.startswith("/") else f"{folder}/{group}".lstrip("/")
        if entry.is_override() or group.startswith("hydra"):
            continue
        value, chosen_by = overridden.get(group, (entry.value, label))
        choices.setdefault(group, (value, entry.package, chosen_by))


# Packaged groups whose configs select no other group's config (a sweep of them composes
# the same defenses and release in its shared config as in its points); experiment's do.
_SELECTING_NO_DEFENSE = ("dataset", "model", "plan", "train", "attack", "release")


def swept_groups(
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
