"""`check_config`: every problem of a config at once, before any work.

Each group has one table of constraints (`Param` per key: `TRAIN`, `PLAN`, `ATTACK` with
`QUERIES` and `CANARIES`, and `TOP` for the top-level keys; `mia_defense.config_tables`).
Groups built by ``_target_`` (``dataset``, ``model``, ``release``, ``defense.<name>``,
``attack.attacks.<name>``) are checked against the signature of their target instead
(`mia_defense.config_target_checks`). `check_config` walks the composed config without
loading data or building a model and raises one `ConfigError` that lists every problem, one
per line, each naming the key, the value given and what is allowed.

Hydra's structured-config type checks stop at the first bad value, so the packaged YAML
does not list the ``schema`` nodes; Hydra's struct mode still refuses a misspelt key given
without ``+`` at composition. `mia_defense.cli.train.CheckConfigCallback`
(conf/hydra/default.yaml) runs the check before Hydra creates a single run's directory, so a
refused config leaves nothing behind.

This module holds the walk of each key's value (`_Walk`) and `check_config`; the tables and
the checks of a ``_target_`` node's values live apart, one job per module. `check_config`
calls the checks after the walk: `mia_defense.config_cross` (values against each other and
the machine), `mia_defense.config_fits` (against a dataset's sizes known before loading it);
`check_defense_stack` (`mia_defense.config_stack`) is run after it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from hydra._internal.utils import _locate
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from mia_defense.attacks import lira, shokri
from mia_defense.config_cross import (
    _cross_checks,
    _csv_column_clashes,
    _few_lira_references,
    _few_shokri_records,
    noise_std_problems,
)
from mia_defense.config_fits import _bundled_fits, dataset_fit_problems
from mia_defense.config_lists import job_overrides, merged_list_problem
from mia_defense.config_nodes import _HYDRA_KEYS, _SOURCE_CHECKS, build_dataclass
from mia_defense.config_stack import check_defense_stack
from mia_defense.config_tables import TARGET_PARAMS, TOP, Group, Spec, Target, Targets
from mia_defense.config_target_checks import (
    _CUSTOM_HINT,
    _EXAMPLE_TARGETS,
    _SUPPLIED,
    _hydra_flag_problems,
    _is_reference,
    _own_check,
    _rule_refusal,
    _signature,
    _torch_dtype_problem,
    _unselected_hint,
    _value_problem,
    _wrong_kind,
)
from mia_defense.constraints import (
    Param,
    check_values,
    key_shown,
    keys_shown,
    show,
)
from mia_defense.constraints import missing_attribute as _missing_attribute
from mia_defense.data.checks import require_path
from mia_defense.data.csv_file import load_csv
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.release import Release
from mia_defense.errors import ConfigError, MiaDefenseError, closest, first_line
from mia_defense.hydra_setup import register_configs
from mia_defense.override_checks import deleted_said
from mia_defense.targets import forbidden_target_problems, is_forbidden, refuse_forbidden_targets

__all__ = [
    "build_dataclass",
    "check_config",
    "check_defense_stack",
    "check_values",
    "dataset_fit_problems",
    "noise_std_problems",
    "refuse_forbidden_targets",
    "register_configs",
]


# The source checks that passed in this process (`_passed_source`): mia-train checks a run's
# config in its callback and again as the task builds it; the CSV header was read three times.
_SOURCES_PASSED: dict[tuple[Any, ...], None] = {}


def _passed_source(check: str, settings: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What a source check that passes is remembered by: its settings, the launch folder
    its relative path is read from and the file's identity and change times, so a file
    changed, replaced or re-permissioned since is checked again; ``None`` (not remembered)
    where the file cannot be stat'ed."""
    try:
        file = require_path(settings.get("path"), name="", expected="")
        found = file.stat()
    except Exception:
        return None
    return (check, repr(sorted(settings.items())), str(file), found.st_dev, found.st_ino,
            found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_mode)


# -- the walk -------------------------------------------------------------------------------

_BAD = object()  # a value that could not be read (the problem is already recorded)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Walk:
    """One pass over a composed config, collecting problem lines and the values that passed.

    ``later``: top-level keys whose nodes are passed over (`check_config` checks them last).
    """

    def __init__(self, *, later: frozenset[str] = frozenset()) -> None:
        self.problems: list[str] = []
        self.keys: dict[int, str] = {}  # problems[i] -> the key or node it is about
        self.ok: dict[str, Any] = {}  # full key -> a value its Param accepted
        self.later = later
        self.source_error: MiaDefenseError | None = None  # a loader's own, in `source`

    def about(self, start: int, path: str) -> None:
        """The problems from ``start`` on not yet said to be about a key are about ``path``
        (the innermost key or node names each: `check_config`'s `ConfigError.keys`)."""
        for index in range(start, len(self.problems)):
            self.keys.setdefault(index, path)

    def keys_of(self, problems: Sequence[str]) -> tuple[str, ...] | None:
        """The key of each of ``problems`` (lines of this walk), or ``None`` where one has
        none known (a cross-check's, a forbidden target's)."""
        found = {}
        for index, line in enumerate(self.problems):
            found.setdefault(line, self.keys.get(index))
        keys = [found.get(line) for line in problems]
        return None if None in keys else tuple(dict.fromkeys(keys))  # type: ignore[arg-type]

    def get(self, node: DictConfig, key: str, path: str, *, quiet: bool = False) -> Any:
        """``node[key]`` as plain Python (lists resolved), or `_BAD` after noting why not."""
        start = len(self.problems)
        try:
            return self._get(node, key, path, quiet=quiet)
        finally:
            self.about(start, path)

    def _get(self, node: DictConfig, key: str, path: str, *, quiet: bool) -> Any:
        try:
            value = node[key]
            if isinstance(value, ListConfig):
                return OmegaConf.to_container(value, resolve=True)
            return value
        except MissingMandatoryValue:
            if not quiet:
                self.problems.append(
                    f"{path}=???: a required value is missing; set it, e.g. {path}=..."
                )
        except OmegaConfBaseException as exc:
            if not quiet:
                self.problems.append(f"{path}: cannot resolve its value "
                                     f"({first_line(exc, type(exc).__name__)})")
        return _BAD

    def unknown(
        self, node: DictConfig, key: str, path: str, known: Sequence[str], where: str,
        *, plus: bool = True, extra: str = "",
    ) -> None:
        """``+path.key=value: unknown key 'key' <where>; did you mean 'closest'?``

        ``plus``: struct mode lets such a key in only through a ``+`` override (or a YAML of
        the user's own); a ``_target_`` node may also carry keys left from the packaged
        config when only its ``_target_`` was replaced, so no ``+`` there.
        """  # fmt: skip
        value = self.get(node, key, _join(path, key), quiet=True)
        scalar = value is not _BAD and not isinstance(value, DictConfig)
        given = f"={show(value)}" if scalar else ""
        close = closest(key, known)
        hint = (f"did you mean {close!r}?" if close else f"valid keys: {', '.join(known)}"
                if known else "it takes no keys")  # (+release.k=2 beside release=full)
        label = "unknown top-level key" if not path else "unknown key"
        # (a key of hundreds of characters clipped, `key_shown`: +<200 x>=1 was said twice whole)
        self.problems.append(f"{'+' if plus else ''}{keys_shown(_join(path, key))}{given}: "
                             f"{label} {key_shown(key)!r}{where}; {hint}{extra}")
        self.about(len(self.problems) - 1, _join(path, key))

    def group(self, node: Any, keys: Mapping[str, Spec], path: str) -> None:
        if not isinstance(node, DictConfig):
            self.problems.append(f"{path}={show(node)}: must be a mapping of settings")
            return
        for key in node:
            key = str(key)
            full = _join(path, key)
            if path == "" and key == "hydra":
                continue  # Hydra's own node, checked by Hydra
            if path == "" and key in self.later:
                continue
            spec = keys.get(key)
            if spec is None:
                self.unknown(node, key, path, list(keys), f" in {path}" if path else "")
                continue
            value = self.get(node, key, full)
            if value is not _BAD:
                self.spec(spec, value, full)
        for key, spec in keys.items():
            if spec.required and key not in node:
                full = _join(path, key)
                how = "" if not isinstance(spec, Targets) else (
                    f" ('~{full}' deletes every entry: leave entries out one by one with "
                    f"'~{full}.NAME', or give your own after it with "
                    f"'+{full}.NAME={{_target_: ...}}')")  # fmt: skip
                self.problems.append(f"{full}: missing; it is required{how}")
                self.about(len(self.problems) - 1, full)

    def spec(self, spec: Spec, value: Any, path: str) -> None:
        start = len(self.problems)
        try:
            self._spec(spec, value, path)
        finally:
            self.about(start, path)

    def _spec(self, spec: Spec, value: Any, path: str) -> None:
        if isinstance(spec, Param):
            line = spec.problem(path, value)
            if line:
                self.problems.append(line)
            else:
                self.ok[path] = value
        elif isinstance(spec, Group):
            self.group(value, spec.keys, path)
        elif isinstance(spec, Target):
            if value is None and spec.nullable:
                return
            self.target(value, path)
        else:
            self.targets(value, path, spec)

    def targets(self, node: Any, path: str, spec: Targets) -> None:
        if not isinstance(node, DictConfig):
            self.problems.append(
                f"{path}={show(node)}: must be a mapping of NAME: {{_target_: ...}}"
            )
            return
        if spec.non_empty and len(node) == 0:
            self.problems.append(f"{path}={{}}: name at least one")
        for key in node:
            value = self.get(node, str(key), _join(path, str(key)))
            if value is _BAD:
                continue
            if value is None:  # (null turns nothing off here: 'pick a config' misled)
                full = _join(path, str(key))
                self.problems.append(f"{full}=null: must be a mapping with a _target_; to "
                                     f"leave it out, write '~{full}'")  # fmt: skip
                self.about(len(self.problems) - 1, full)
                continue
            before = len(self.problems)
            self.target(value, _join(path, str(key)))
            if isinstance(value, DictConfig) and "_target_" not in value.keys():
                self.problems[before:] = [
                    f"{line}{_unselected_hint(node, str(key), path)}"
                    for line in self.problems[before:]
                ]
            elif not isinstance(value, DictConfig):  # (+defense.delta=1e-5: dp's delta)
                holders = [str(k) for k in node
                           if isinstance(node.get(k), DictConfig) and key in node[k]]  # fmt: skip
                if holders and len(self.problems) > before:
                    written = f"{path}.{holders[0]}.{key}={show(value)}"
                    if len(holders) > 1:
                        written = f"{path}.NAME.{key}={show(value)} (e.g. {written})"
                    self.problems[-1] += (f"; {key} is a key of {', '.join(holders)}: write "
                                          f"{written} instead")

    def target(self, node: Any, path: str) -> None:
        """A ``_target_`` node: importable target, known keys, values of the annotated type."""
        start = len(self.problems)
        try:
            self._target(node, path)
        finally:
            self.about(start, path)

    def _target(self, node: Any, path: str) -> None:
        if not isinstance(node, DictConfig) or "_target_" not in node.keys():
            where = (f"pick a config of conf/{path.split('.')[0]}/, or give your own class or "
                     "function") if not path.startswith("attack.attacks.") else (
                "an attack is a function of your own or of mia_defense.attacks, e.g. "
                "{_target_: mia_defense.attacks.loss_attack, _partial_: true}")  # fmt: skip
            self.problems.append(f"{path}={show(node)}: must be a mapping with a _target_ "
                                 f"({where})")  # fmt: skip
            return
        before = len(self.problems)
        name = self.get(node, "_target_", f"{path}._target_")
        if name is _BAD:
            return
        if not isinstance(name, str):  # (null, 123, a list: 'No module named 'None'')
            example = _EXAMPLE_TARGETS.get(path.split(".")[0], "mia_defense.models.MLP")
            self.problems.append(f"{path}._target_={show(name)}: must be the dotted name of a "
                                 f"class or function, e.g. {example}")
            return
        if is_forbidden(str(name), None):  # (by its name: not imported to check its keys)
            return  # named by forbidden_targets, which looks at every _target_ of the config
        try:
            target = _locate(str(name))  # as instantiate resolves it (get_object also logs)
        except Exception as exc:  # ImportError, or whatever importing the module raised
            reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            self.problems.append(
                f"{path}._target_={name!r}: cannot import it ({reason}); point it at an "
                f"importable class or function{_missing_attribute(str(name))}"
            )
            return
        if is_forbidden(str(name), target):
            return  # named by forbidden_targets, which looks at every _target_ of the config
        wrong = _wrong_kind(target, path)
        if wrong:  # (its keys would be judged against the wrong signature: say this alone)
            self.problems.append(f"{path}._target_={name!r}: {wrong}")
            return
        params, hints, open_kwargs = _signature(target)
        named = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        known = [p for p in params if params[p].kind not in named]
        ours = getattr(target, "__module__", "").startswith("mia_defense.")
        extra = _CUSTOM_HINT if path == "model" and not ours else ""
        self.problems += _hydra_flag_problems(node, path, target, params)
        for key in map(str, node):
            if key in _HYDRA_KEYS:
                continue
            full = _join(path, key)
            if key not in params and not open_kwargs:
                self.unknown(node, key, path, known, f" for {name}", plus=False, extra=extra)
                continue
            value = self.get(node, key, full)
            if value is _BAD or _is_reference(node, key):
                continue  # a reference is checked where it points
            rule = TARGET_PARAMS.get(target, {}).get(key)
            refusal = _rule_refusal(rule, full, _own_check(target, path), key)
            line = _value_problem(full, value, hints.get(key), params.get(key), str(name),
                                  refusal)
            line = line or (rule.problem(full, value) if rule else None)
            line = line or _torch_dtype_problem(full, value, target, hints.get(key))
            if line:
                self.problems.append(line)
                self.about(len(self.problems) - 1, full)
        if target is lira and len(self.problems) == before:
            self.problems += _few_lira_references(node, path, self.ok.get("plan.num_models"))
        if target is shokri and len(self.problems) == before:
            self.problems += _few_shokri_records(node, path, self.ok)
        if target is load_csv and len(self.problems) == before:
            self.problems += _csv_column_clashes(node)
        supplied = _SUPPLIED.get(path.split(".")[0], frozenset())
        if not path.startswith("attack.attacks."):  # attacks: called with the observations
            for key, param in params.items():
                needed = param.default is inspect.Parameter.empty and param.kind not in named
                if needed and key not in node.keys() and key not in supplied:
                    self.problems.append(
                        f"{path}.{key}: missing; {name} takes {key} with no default; set it, "
                        f"e.g. +{path}.{key}=..."
                    )
                    self.about(len(self.problems) - 1, f"{path}.{key}")
        if len(self.problems) == before:
            self.rehearse(target, node, path)
        if len(self.problems) == before:
            self.source(target, node)

    def source(self, target: Any, node: DictConfig) -> None:
        """Our file loaders' checks of their file that read no data (`_SOURCE_CHECKS`: it
        exists, is no folder, and its header line or its archive's array names hold the
        columns or arrays the settings name), so mia-train refuses them before the run
        directory is made; the loaders run the same checks again as they read."""
        name = _SOURCE_CHECKS.get((getattr(target, "__module__", ""),
                                   getattr(target, "__name__", "")))
        if name is None:
            return
        try:
            values = OmegaConf.to_container(node, resolve=True)
        except OmegaConfBaseException:  # (an unresolvable value is refused where it stands)
            return
        assert isinstance(values, dict)
        check = getattr(sys.modules[target.__module__], name)
        settings = {k: v for k, v in values.items() if k not in _HYDRA_KEYS}
        passed = _passed_source(name, settings)
        if passed is not None and passed in _SOURCES_PASSED:
            return  # (this file, unchanged, passed this check in this process)
        try:
            check(**settings)
        except MiaDefenseError as exc:
            self.problems.append(str(exc))
            self.source_error = exc
        else:
            if passed is not None:
                _SOURCES_PASSED[passed] = None
                while len(_SOURCES_PASSED) > 64:
                    del _SOURCES_PASSED[next(iter(_SOURCES_PASSED))]

    def rehearse(self, target: Any, node: DictConfig, path: str) -> None:
        """Build our own defenses and releases now: their constructors check the values
        (cheaply, without data), so a bad value stops the run before data is loaded. Our own
        models need the data's shape to be built: their ``check_options`` checks the rest
        (a width of 0 was refused only when the model was built, after the data)."""
        ours = isinstance(target, type) and target.__module__.startswith("mia_defense.")
        check_options = getattr(target, "check_options", None) if path == "model" else None
        if not ours or not (issubclass(target, Release | TrainingDefense) or check_options):
            return
        values = OmegaConf.to_container(node, resolve=True)
        assert isinstance(values, dict)
        settings = {k: v for k, v in values.items() if k not in _HYDRA_KEYS}
        try:
            if check_options is not None:
                check_options(**settings)
            else:
                target(**settings)
        except ConfigError as exc:
            self.problems.append(str(exc))
        except (TypeError, ValueError) as exc:
            self.problems.append(f"{path}: cannot build {target.__name__} "
                                 f"({first_line(exc, type(exc).__name__)})")

    def forbidden_targets(self, node: Any, path: str) -> None:
        """Every ``_target_`` of the config, at any depth (`mia_defense.targets`)."""
        self.problems += forbidden_target_problems(node, path)


# -- check_config: the walks, then the checks after them ----------------------------------------


# Checked after the rest (`check_config`): the dataset's module is slow to import.
_LAST = frozenset({"dataset"})


def _top_nodes(
    cfg: DictConfig, *, but: frozenset[str], only: frozenset[str] | None = None
) -> dict[str, Any]:
    """The top-level nodes of ``cfg`` (resolved where they sit) but ``but`` and ``hydra``
    (of ``only``, where given), as a mapping for `forbidden_target_problems`; an
    unresolvable one is left out (the walk names it)."""
    nodes = {}
    for key in map(str, cfg):
        if key in but or key == "hydra" or (only is not None and key not in only):
            continue
        try:
            nodes[key] = cfg[key]
        except OmegaConfBaseException:
            continue
    return nodes


def check_config(cfg: DictConfig) -> None:
    """Check the composed config before any data is loaded; raise one `ConfigError` listing
    every problem (unknown keys with the closest valid name, wrong types, NaN/inf, values out
    of range, sizes the plan cannot hold, a device or thread count the machine lacks).

    Pure inspection: targets are imported and their signatures read; only mia-defense's
    own defenses and releases are built (their constructors check their values). The CSV
    and NPZ loaders' files are checked without reading their data (their header line, their
    archive's array names: `_Walk.source`); such a refusal, when it is the only problem, is
    raised as the loader raises it (a missing file: a `DataError`).

    The dataset's node is checked last, once the rest has passed: locating its ``_target_``
    imports its module (sklearn's datasets, pandas: a second or more), which a refusal of a
    plain value (``train.lr=abc``) need not wait for. Nothing is built before both passed.

    First, where the overrides that composed ``cfg`` are at hand (`job_overrides`: a sweep's
    job, the compose API's ``return_hydra_config=True``), a list Hydra merged into one config
    (``defense=[dp,dp]``, ``release=[label_only,full]``) is refused alone, as mia-train
    refuses it: the merged config itself is that of ``defense=[dp]`` (of ``release=full``).
    """
    merged = merged_list_problem(job_overrides(cfg))
    if merged is not None:
        raise ConfigError(merged)
    first = _Walk(later=_LAST)
    first.problems += forbidden_target_problems(_top_nodes(cfg, but=_LAST), "")
    first.group(cfg, TOP, "")
    problems = list(dict.fromkeys(first.problems + _cross_checks(first.ok)))
    walked = first
    if not problems:
        last = walked = _Walk()
        # the nodes the first walk left (the others were walked, interpolations followed,
        # and refused nothing): an interpolation of theirs is followed wherever it leads
        last.forbidden_targets(_top_nodes(cfg, but=frozenset(), only=_LAST), "")
        for key in _LAST & set(map(str, cfg)):
            value = last.get(cfg, key, key)
            if value is not _BAD:
                last.spec(TOP[key], value, key)
        problems = list(dict.fromkeys(last.problems)) or _bundled_fits(cfg, first.ok)
        if last.source_error is not None and problems == [str(last.source_error)]:
            raise last.source_error  # as the loader raises it (a missing file: a DataError)
    if not problems:
        return
    keys = walked.keys_of(problems)  # (a cross-check's, _bundled_fits': none known)
    # a required key that an override deleted ('~attack.fprs'): which one, and what to do
    # and the keys that read one deleted (${seed} after '~seed'): folded after the cause
    problems = deleted_said(problems, job_overrides(cfg))
    lines = "\n".join(f"  {line}" for line in problems)
    error = ConfigError(problems[0] if len(problems) == 1 else
                        f"{len(problems)} problems in the config:\n{lines}")  # fmt: skip
    error.keys = keys
    raise error
