"""The config's schemas, and `check_config`: every problem of a config at once, before any work.

Each group has one table of constraints (`Param` per key: `TRAIN`, `PLAN`, `ATTACK` with
`QUERIES` and `CANARIES`, and `TOP` for the top-level keys). Groups built by ``_target_``
(``dataset``, ``model``, ``release``, ``defense.<name>``, ``attack.attacks.<name>``) are
checked against the signature of their target instead. `check_config` walks the composed
config without loading data or building a model and raises one `ConfigError` that lists
every problem, one per line, each naming the key, the value given and what is allowed.

Hydra's structured-config type checks stop at the first bad value, so the packaged YAML
does not list the ``schema`` nodes; Hydra's struct mode still refuses a misspelt key given
without ``+`` at composition. `mia_defense.cli.train.CheckConfigCallback`
(conf/hydra/default.yaml) runs the check before Hydra creates a single run's directory, so a
refused config leaves nothing behind.

This module holds the schemas, the walk of each key's value and `check_config`, which calls
the checks after the walk: `mia_defense.config_cross` (values against each other and the
machine), `mia_defense.config_fits` (against a dataset's sizes known before loading it);
`check_defense_stack` (`mia_defense.config_stack`) is run after it.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from typing import Any, TypeVar, Union

import torch
from hydra._internal.utils import _locate
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from mia_defense.attacks import (
    gradient_norm,
    label_only,
    lira,
    rmia,
    shokri,
    threshold_attack,
)
from mia_defense.attacks.references import check_calibration
from mia_defense.attacks.rmia import MAX_GAMMA
from mia_defense.attacks.rmia import check_a as check_rmia_a
from mia_defense.attacks.shadow import SHADOW_RECIPES
from mia_defense.attacks.shokri import (
    MAX_SEED,
    check_classifier,
)
from mia_defense.attacks.shokri import check_seed as check_shokri_seed
from mia_defense.attacks.threshold import check_options as check_threshold_options
from mia_defense.canaries import AUDIT_KINDS, CANARY_KINDS
from mia_defense.config_cross import (
    _cross_checks,
    _csv_column_clashes,
    _few_lira_references,
    _few_shokri_records,
    noise_std_problems,
)
from mia_defense.config_fits import _bundled_fits, dataset_fit_problems
from mia_defense.config_keys import defense_not_selected
from mia_defense.config_lists import job_overrides, merged_list_problem
from mia_defense.config_nodes import _HYDRA_KEYS, _SOURCE_CHECKS, build_dataclass
from mia_defense.config_stack import check_defense_stack
from mia_defense.constraints import (
    Param,
    check_values,
    key_shown,
    keys_shown,
    number_hint,
    quoted_list_hint,
    show,
    string_hint,
    whole_float_hint,
)
from mia_defense.constraints import missing_attribute as _missing_attribute
from mia_defense.data.checks import require_path
from mia_defense.data.csv_columns import (
    check_drop_columns,
    check_fixed_categories,
    check_label_column,
)
from mia_defense.data.csv_file import load_csv
from mia_defense.data.csv_numbers import check_decimal
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.release import Release
from mia_defense.errors import ConfigError, MiaDefenseError, closest, closest_few, first_line
from mia_defense.hydra_setup import register_configs
from mia_defense.metrics.bootstrap import MAX_BOOTSTRAP
from mia_defense.override_checks import deleted_required
from mia_defense.targets import forbidden_target_problems, is_forbidden, refuse_forbidden_targets
from mia_defense.training.config import TRAIN

__all__ = [
    "ATTACK",
    "CANARIES",
    "MAX_MODELS",
    "PLAN",
    "QUERIES",
    "TARGET_PARAMS",
    "TOP",
    "TRAIN",
    "Group",
    "Param",
    "Target",
    "Targets",
    "build_dataclass",
    "check_config",
    "check_defense_stack",
    "check_values",
    "dataset_fit_problems",
    "integer_key",
    "key_param",
    "noise_std_problems",
    "refuse_forbidden_targets",
    "register_configs",
]

T = TypeVar("T")

# Membership-inference cost grows linearly with K; Carlini et al. (2022) train 256 models.
MAX_MODELS = 4096


@dataclass(frozen=True)
class Group:
    """A mapping of known keys, each a `Param` or a nested spec."""

    keys: Mapping[str, Spec]
    required: bool = True


@dataclass(frozen=True)
class Target:
    """A node built by ``_target_``: its keys are checked against the target's signature."""

    nullable: bool = False
    required: bool = True


@dataclass(frozen=True)
class Targets:
    """A mapping of names to `Target` nodes (``defense.<name>``, ``attack.attacks.<name>``)."""

    non_empty: bool = False
    required: bool = True


Spec = Param | Group | Target | Targets


@dataclass(frozen=True)
class _OffOrPath(Param):
    """A string that ``null`` or ``false`` turns off (``cache_dir``)."""

    # Words for "off" that Hydra reads as text (only null and false are its own): the store
    # went into a folder of that name (./None) where the user meant none.
    OFF_WORDS = frozenset({"none", "null", "false", "off", "no", "disabled"})

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str) and not value.strip():
            return False  # Path('') is the working directory: the store would litter it
        if isinstance(value, str) and value.strip().lower() in self.OFF_WORDS:
            return False
        return value is False or super().accepts(value)

    def problem(self, key: str, value: Any) -> str | None:
        if isinstance(value, str) and value.strip().lower() in self.OFF_WORDS:
            return (f"{key}={show(value)}: text, which would name a folder {value.strip()!r}; "
                    f"{key}=null (or false) turns it off, {key}=./{value.strip()} names a "
                    "folder of that name")  # fmt: skip
        return super().problem(key, value)

    def describe(self) -> str:
        return f"a path, or null or false (off) ({self.note})"


# -- the tables -----------------------------------------------------------------------------

def _all_required(table: Mapping[str, T], *, but: tuple[str, ...] = ()) -> dict[str, T]:
    """``table`` with every key required but ``but``: a key deleted from the packaged config
    (``~train.lr``, ``~attack.white_box``, ``~cache_dir``) fell back on a default of the code
    (white_box false, where the packaged config says true; no model store), which results.json
    did not record, or was a traceback (``~progress``)."""
    return {key: replace(param, required=key not in but) for key, param in table.items()}


PLAN: dict[str, Param] = {
    "num_models": Param(
        "int",
        low=2,
        high=MAX_MODELS,
        even=True,
        note="every sample trains half of the models; the cost grows with K and Carlini et "
        "al. 2022 use 256",
    ),
    "population_size": Param(
        "int", low=2, nullable=True,
        note="null: what the splits leave; with test_size null too, 1000 or 3/4 of the data",
    ),
    "test_size": Param("int", low=1, nullable=True, note="null: what is left"),
    "reference_size": Param("int", low=0),
}
QUERIES: dict[str, Param] = _all_required({
    "num_augmented": Param("int", low=0, note="0: no augmented queries"),
    "noise_std": Param("float", low=0),
    "max_shift": Param("int", low=0),
    "flip": Param("bool"),
    "repeats": Param("int", low=1, high=1024,
                     note="each query of a randomized release asked this often, averaged"),
})
CANARIES: dict[str, Param] = _all_required({
    "num": Param("int", low=0),
    "kind": Param("str", choices=CANARY_KINDS),
})
ATTACK: dict[str, Spec] = _all_required({
    "num_targets": Param("int", low=1, nullable=True, required=True,
                         note="null: every one of plan.num_models, at most 16"),
    "shadow_recipe": Param("str", choices=SHADOW_RECIPES),
    "fprs": Param("floats", low=0, high=1, low_open=True, high_open=True, required=True),
    "bootstrap": Param("int", low=0, high=MAX_BOOTSTRAP,
                       note="0: no confidence intervals; 200 is plenty for 95% intervals"),
    "confidence": Param("float", low=0, high=1, low_open=True, high_open=True),
    "queries": Group(QUERIES, required=False),
    "white_box": Param("bool"),
    "canaries": Group(CANARIES, required=False),
    "audit": Param("str", choices=AUDIT_KINDS, note="one_run: Steinke et al. 2023"),
    "audit_canaries": Param("int", low=0, note="input canaries of the one-run audit"),
    "audit_gradient_canaries": Param("int", low=0, note="Dirac canaries per model"),
    "attacks": Targets(non_empty=True),
})


TOP: dict[str, Spec] = {
    "seed": Param("int", low=0, required=True, note="the one seed of the run, e.g. seed=0",
                  most=MAX_SEED),  # (above it: _seed_range's words)
    "progress": Param("bool", required=True),
    "figures": Param("bool", required=True,
                     note="TensorBoard figures; false: curves and scalars only"),
    "cache_dir": _OffOrPath(
        "str", nullable=True, required=True,
        note="the model store's directory; auto: <sweep dir>/.model_store in a multirun",
    ),
    "objectives": Param("strs", nullable=True, note="sweep objectives, see hparams_search"),
    "dataset": Target(),
    "model": Target(),
    "plan": Group(_all_required(PLAN)),
    "train": Group(_all_required(TRAIN, but=("fit",))),
    "attack": Group(ATTACK),
    "defense": Targets(required=False),
    "release": Target(nullable=True, required=False),
}


@dataclass(frozen=True)
class _AttackOption:
    """A keyword of one of our attacks checked by the attack's own ``check``, worded as the
    attack rehearsal words it (``attack.attacks.NAME: <the attack's message>``): its choices
    (shokri's classifier, a calibration) were refused only after the data was loaded, once
    the run directory held the run's log."""

    check: Any  # (value) -> None, raises ConfigError

    def problem(self, path: str, value: Any) -> str | None:
        try:
            self.check(value)
        except ConfigError as exc:
            return f"{path.rpartition('.')[0]}: {exc}"
        return None


@dataclass(frozen=True)
class _OwnCheck:
    """A keyword checked by its target's own ``check``, whose message names the key
    (``dataset.categories``: `mia_defense.data.csv_columns.check_fixed_categories`), so the
    config check refuses what the loader would, in its words, before any data is read."""

    check: Any  # (value as plain Python) -> None, raises ConfigError

    def problem(self, path: str, value: Any) -> str | None:
        if isinstance(value, DictConfig | ListConfig):
            value = OmegaConf.to_container(value, resolve=True)
        try:
            self.check(value)
        except ConfigError as exc:
            return str(exc)
        return None


class _Rules:
    """Several rules of one keyword (a `Param`, then an `_AttackOption`): the first problem."""

    def __init__(self, *rules: Param | _AttackOption) -> None:
        self.rules = rules

    def problem(self, path: str, value: Any) -> str | None:
        return next(filter(None, (rule.problem(path, value) for rule in self.rules)), None)


# Keyword arguments of our own targets that nothing else checks before the run needs them
# (their constructors or the attack rehearsal check the others).
TARGET_PARAMS: dict[Any, dict[str, Param | _AttackOption | _OwnCheck | _Rules]] = {
    load_csv: {"categories": _OwnCheck(check_fixed_categories),
               "drop_columns": _OwnCheck(check_drop_columns),
               "label_column": _OwnCheck(check_label_column),
               "decimal": _OwnCheck(check_decimal)},
    rmia: {
        "num_z": Param("int", low=1, nullable=True, note="null: all population samples"),
        # 2**70 reached numpy as an object array: a TypeError traceback in the attack stage
        "gamma": Param("float", low=1, high=MAX_GAMMA,
                       note="threshold on the pairwise likelihood ratio; the paper uses 1-2"),
        "seed": Param("int", low=0, note="the run's seed by default (${seed})"),
        "a": _AttackOption(check_rmia_a),  # (refused by the attack, after the data was loaded)
    },
    shokri: {
        # (its own range, beyond the run's seed's: refused by the attack, after the data)
        "seed": _Rules(Param("int", low=0, note="the run's seed by default (${seed})"),
                       _AttackOption(check_shokri_seed)),
        "folds": Param("int", low=2),
        "max_train_samples": Param(
            "int", low=100, note="rows of outputs the attack classifier learns from"
        ),
        "classifier": _AttackOption(check_classifier),
    },
    threshold_attack: {
        "signal": _AttackOption(lambda value: check_threshold_options(signal=value)),
        "calibration": _AttackOption(lambda value: check_threshold_options(calibration=value)),
    },
    # (seed: -1 reached numpy as a raw ValueError in the attack stage, after training)
    lira: {"seed": Param("int", low=0, note="the run's seed by default (${seed})")},
    label_only: {
        "calibration": _AttackOption(lambda value: check_calibration("label_only", value)),
        "seed": Param("int", low=0, note="the run's seed by default (${seed})"),
    },
    gradient_norm: {
        "calibration": _AttackOption(lambda value: check_calibration("gradient_norm", value)),
        "seed": Param("int", low=0, note="the run's seed by default (${seed})"),
    },
}


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


# ``${seed}``, ``${plan.num_models}``: an interpolation that names a key and calls no
# resolver (``${oc.decode:'5'}`` made a value no key holds: lira's online=5 went unchecked).
_REFERENCE = re.compile(r"\$\{[^:${}]+\}")


def _is_reference(node: DictConfig, key: str) -> bool:
    """Whether ``node[key]`` is a plain reference to another key (checked where it points)."""
    child = node._get_node(key)
    return bool(child._is_interpolation()) and bool(_REFERENCE.fullmatch(str(child._value())))


_CONVERT_MODES = ("none", "partial", "object", "all")


def _hydra_flag_problems(
    node: DictConfig, path: str, target: Any, params: Mapping[str, inspect.Parameter]
) -> list[str]:
    """Hydra's own keys of a ``_target_`` node, checked as Hydra's instantiate reads them:
    ``_partial_=1`` stopped the run after the data was loaded with Hydra's 'TypeError:
    Instantiation: _partial_ flag must be a bool' (exit 1), and an attack function with
    ``_partial_: false`` was called while the config was built, without its observations."""
    problems = []
    flags = {}
    for key in ("_partial_", "_recursive_", "_convert_", "_args_"):
        if key not in node.keys():  # (an interpolation too: Hydra reads its value)
            continue
        try:
            flags[key] = value = node[key]
        except OmegaConfBaseException:
            continue  # (named where the walk reads the node)
        if key in ("_partial_", "_recursive_") and not isinstance(value, bool):
            problems.append(f"{path}.{key}={show(value)}: must be true or false (Hydra's flag)")
        elif key == "_convert_" and str(value) not in _CONVERT_MODES:
            problems.append(f"{path}.{key}={show(value)}: must be one of "
                            f"{', '.join(_CONVERT_MODES)} (Hydra's conversion of containers)")
        elif key == "_args_" and not isinstance(value, ListConfig):
            problems.append(f"{path}.{key}={show(value)}: must be a list of positional "
                            "arguments (Hydra's _args_)")
    if path.startswith("attack.attacks.") and flags.get("_partial_", False) is False and (
        not isinstance(target, type)
    ):
        given = len(flags["_args_"]) if isinstance(flags.get("_args_"), ListConfig) else 0
        needed = [
            key for key, param in list(params.items())[given:]
            if param.default is inspect.Parameter.empty and key not in node.keys()
            and param.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                   inspect.Parameter.VAR_KEYWORD)
        ]  # fmt: skip
        if needed:
            given = "_partial_" in flags
            problems.append(
                f"{path}{'._partial_=false' if given else ''}: the attack takes "
                f"{', '.join(needed)} when it runs (the observations and the targets), but "
                "without _partial_: true Hydra calls it while the config is built; set "
                f"{'' if given else '+'}{path}._partial_=true"
            )
    return problems


_EXAMPLE_TARGETS = {
    "model": "mia_defense.models.MLP",
    "dataset": "mia_defense.data.load_digits",
    "defense": "mia_defense.defenses.Dropout",
    "release": "mia_defense.defenses.TopKRelease",
    "attack": "mia_defense.attacks.lira",
}


def _wrong_kind(target: Any, path: str) -> str | None:
    """Why the class ``target`` cannot be what ``path`` builds (a model, a training defense,
    a release), or ``None``. A function may return anything: its result is checked once
    built. Such a class was refused only after the data was loaded (a defense only as
    'defense: Dropout is not a TrainingDefense', naming no key), or its keys were judged
    against the wrong signature ('unknown key 'p' for mia_defense.models.MLP')."""
    if not callable(target):  # a module (mia_defense.models), a constant: Hydra calls it
        what = "a module" if isinstance(target, types.ModuleType) else type(target).__name__
        return (f"is {what}, not a class or function; name one of its classes or functions "
                f"(e.g. {_EXAMPLE_TARGETS.get(path.split('.')[0], 'mia_defense.models.MLP')})")
    if not isinstance(target, type):
        return None
    group = path.split(".")[0]
    if group == "model" and not issubclass(target, torch.nn.Module):
        return (f"{target.__name__} is not a torch.nn.Module; point it at a torch.nn.Module "
                "subclass or a function that returns one (a packaged model: model=mlp; your "
                "own: model=custom model._target_=my_module.MyNet)")  # fmt: skip
    if group == "defense" and not issubclass(target, TrainingDefense):
        also = " (a release goes under release=, e.g. release=topk)" \
            if issubclass(target, Release) else ""  # fmt: skip
        return (f"{target.__name__} is not a training defense{also}; point it at a subclass "
                "of mia_defense.defenses.TrainingDefense (pick one of conf/defense/, e.g. "
                "defense=dropout)")  # fmt: skip
    if group == "release" and not issubclass(target, Release):
        return (f"{target.__name__} is not a release; point it at a subclass of "
                "mia_defense.defenses.Release (pick one of conf/release/, e.g. release=topk)")
    base = {"defense": TrainingDefense, "release": Release}.get(group)
    if base is not None and target is base:
        return _base_class_problem(base, group)
    return None


def _base_class_problem(base: type, group: str) -> str:
    """Why the base class ``base`` of ``group`` is no defense or release: it does nothing
    of its own (TrainingDefense trains as no defense, Release releases the full outputs),
    and the run was recorded under a defense it never applied."""
    import mia_defense.defenses as packaged

    kinds = sorted(
        f"mia_defense.defenses.{name}" for name in packaged.__all__
        if isinstance(getattr(packaged, name), type)
        and issubclass(getattr(packaged, name), base) and getattr(packaged, name) is not base
    )  # fmt: skip
    what, example = ("training defense", "defense=dropout") if group == "defense" else \
        ("release", "release=topk")  # fmt: skip
    return (f"{base.__name__} is the base class of every {what}, not one (it applies "
            f"nothing of its own); point it at one of {', '.join(kinds)}, or a subclass of "
            f"your own (pick one of conf/{group}/, e.g. {example})")


def _unselected_hint(node: DictConfig, name: str, path: str) -> str:
    """What a ``+defense.NAME.x=...`` or ``+attack.attacks.NAME.x=...`` without a ``_target_``
    most likely meant: a defense that is not selected, or an attack under another name."""
    from importlib.resources import files

    if path == "defense" and files("mia_defense.conf").joinpath(f"defense/{name}.yaml").is_file():
        return f"; {defense_not_selected(name)}"
    named = [str(k) for k, v in node.items_ex(resolve=False)
             if isinstance(v, DictConfig) and "_target_" in v.keys()]
    close = closest_few(name, named, prefixes=True)
    return f"; no {path}.{name} is defined (did you mean {' or '.join(map(repr, close))}?)" \
        if close else ""  # fmt: skip


# Arguments the pipeline passes itself, by group: the model builder passes input_shape and
# num_classes when the constructor takes them.
_SUPPLIED = {"model": frozenset({"input_shape", "num_classes"})}
_CUSTOM_HINT = (
    " (your own module: start from model=custom, which carries no keys of the packaged models)"
)


def _signature(target: Any) -> tuple[Mapping[str, inspect.Parameter], dict[str, Any], bool]:
    """The parameters of ``target``, their resolved type hints, and whether it takes **kwargs."""
    try:
        params = dict(inspect.signature(target).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: accept any key
        return {}, {}, True
    try:
        hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)
    except Exception:  # unresolvable forward references: no type checks
        hints = {}
    open_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return params, hints, open_kwargs


_KIND_NAMES = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "null": "null",
    "ints": "a list of integers",
    "floats": "a list of numbers",
}


def _kinds(annotation: Any) -> frozenset[str] | None:
    """The value kinds an annotation admits, or ``None`` when it is not a simple one."""
    simple = {int: "int", float: "float", bool: "bool", str: "str", type(None): "null"}
    if annotation in simple:
        return frozenset({simple[annotation]})
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        parts = [_kinds(arg) for arg in args]
        return None if None in parts else frozenset().union(*parts)  # type: ignore[arg-type]
    if origin is PathLike or annotation is PathLike:
        return frozenset({"str"})
    if origin in (list, tuple, Sequence) and args and args[0] in (int, float):
        if origin is tuple and not (len(args) == 1 or args[1:] == (Ellipsis,)):
            return None
        return frozenset({"ints" if args[0] is int else "floats"})
    return None


def _pathlike(annotation: Any) -> bool:
    """Whether an annotation admits an ``os.PathLike`` (a path given as text)."""
    if annotation is PathLike or typing.get_origin(annotation) is PathLike:
        return True
    return any(map(_pathlike, typing.get_args(annotation)))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for python, kind in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(value, python):
            return kind
    if isinstance(value, list):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return "ints"
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return "floats"
    return "other"


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple):
        return any(map(_non_finite, value))
    if isinstance(value, DictConfig):
        return _non_finite(OmegaConf.to_container(value, resolve=True))
    if isinstance(value, dict):
        return any(map(_non_finite, value.values()))
    return False


def _value_problem(
    key: str, value: Any, hint: Any, param: inspect.Parameter | None, target: str,
    refusal: Any = None,
) -> str | None:
    """A problem with one value of a ``_target_`` node: never NaN/inf; of the annotated type.
    ``refusal`` (`_rule_refusal`): the float hint suggests no integer the key's rule refuses
    (shokri.seed=1e30 was told to write an integer above MAX_SEED)."""
    if _non_finite(value):
        return f"{key}={show(value)}: must be a finite number (no nan or inf)"
    kinds = _kinds(hint) if hint is not None else None
    if kinds is None:
        return None
    kind = _kind(value)
    widened = {"int": "float", "ints": "floats"}.get(kind)  # an int is a fine float
    if kind == "int" and kind not in kinds and widened in kinds and (
        abs(value) > sys.float_info.max  # (10**400: float() of it raised OverflowError)
    ):
        return f"{key}={show(value)}: too large for a float (at most about 1.8e308)"
    if kind in kinds or widened in kinds:
        return None
    allowed = " or ".join(_KIND_NAMES[k] for k in sorted(kinds, key=list(_KIND_NAMES).index))
    shown = param.annotation if param and isinstance(param.annotation, str) else hint
    name = key.rsplit(".", 1)[-1]
    return (f"{key}={show(value)}: must be {allowed} ({target} takes {name}: {shown})"
            f"{string_hint(value, kinds)}{number_hint(key, value, kinds, path=_pathlike(hint))}"
            f"{quoted_list_hint(key, value) if kinds & {'ints', 'floats', 'strs'} else ''}"
            + (whole_float_hint(key, value, refusal, listed='ints' in kinds)
               if kinds & {'int', 'ints'} else ''))


def _own_check(target: Any, path: str) -> Any:
    """What checks the keywords of our own ``target`` without data, as `_Walk.rehearse` does:
    a model's ``check_options``, a defense's or release's constructor; ``None`` otherwise."""
    if not (isinstance(target, type) and target.__module__.startswith("mia_defense.")):
        return None
    if path == "model":
        return getattr(target, "check_options", None)
    return target if issubclass(target, Release | TrainingDefense) else None


def _rule_refusal(rule: Any, key: str, check: Any = None, name: str = "") -> Any:
    """What refuses an integer ``key`` may be given (`whole_float_hint`'s ``refusal``): the
    key's ``rule`` (a `TARGET_PARAMS` entry) or ``check`` (`_own_check`) given the keyword
    ``name`` alone, the others left at their defaults, where its words name ``key``
    (model.hidden=[0.0] was told to write [0], a width the model refuses; release.k=0.0 to
    write 0); ``None``: neither."""
    if rule is None and check is None:
        return None

    def refusal(whole: Any) -> str | None:
        line = None
        if rule is not None:
            line = rule.problem(key, whole)
        else:
            try:
                check(**{name: whole})  # (the other keywords: their defaults)
            except MiaDefenseError as exc:  # (only its words about the key: DPSGD's defaults
                line = first_line(exc, type(exc).__name__)  # refuse each other, whatever k)
                line = line if line.startswith(f"{key}=") else None
            except (TypeError, ValueError):  # (no such keyword: it cannot tell)
                return None
        return None if line is None else f"written with digits alone, it is refused too ({line})"

    return refusal


def _torch_dtype_problem(key: str, value: Any, target: Any, hint: Any) -> str | None:
    """A value for a torch dtype (torch.nn.Linear's dtype, a parameter annotated
    torch.dtype): a config holds strings and numbers, never a torch.dtype, and torch refused
    'float64' only when the model was built, after the data, in its own words."""
    name = key.rsplit(".", 1)[-1]
    by_torch = getattr(target, "__module__", "").startswith("torch.")
    if value is None or not ("torch.dtype" in str(hint) or (name == "dtype" and by_torch)):
        return None
    return (f"{key}={show(value)}: a config cannot give a torch dtype (it holds strings and "
            f"numbers, not torch.dtype objects); leave {name} out and use a model class of "
            "your own that sets it (e.g. its __init__ ends with self.to(torch.float64)), "
            "named by model._target_")


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
    said = deleted_required(problems, job_overrides(cfg))
    problems = [said.get(index, line) for index, line in enumerate(problems)]
    lines = "\n".join(f"  {line}" for line in problems)
    error = ConfigError(problems[0] if len(problems) == 1 else
                        f"{len(problems)} problems in the config:\n{lines}")  # fmt: skip
    error.keys = keys
    raise error


def key_param(cfg: DictConfig, path: str) -> Param | None:
    """The `Param` that holds the config key ``path``: the tables' (``train.lr``, ``seed``)
    or `TARGET_PARAMS`' for an argument of a ``_target_`` node (``attack.attacks.shokri.
    folds``); ``None`` where none does (a model's argument, a node the sweep chooses)."""
    found = _spec_of(cfg, path)
    return found if isinstance(found, Param) else None


def _spec_of(cfg: DictConfig, path: str) -> Param | tuple[str, str] | None:
    """``path``'s `Param` in the tables, or (node path, key) of an argument of a
    ``_target_`` node, or ``None``."""
    parts, table = path.split("."), TOP
    for i, part in enumerate(parts):
        spec = table.get(part)
        rest = parts[i + 1:]
        if isinstance(spec, Param):
            return spec if not rest else None
        if isinstance(spec, Group):
            table = dict(spec.keys)
            continue
        if isinstance(spec, Target | Targets):
            depth = i + 1 if isinstance(spec, Target) else i + 2
            if len(parts) != depth + 1:
                return None
            node, key = ".".join(parts[:depth]), parts[depth]
            try:
                target = _locate(str(OmegaConf.select(cfg, node, throw_on_resolution_failure=False
                                                      )._target_))  # fmt: skip
            except Exception:
                return None
            rule = TARGET_PARAMS.get(target, {}).get(key)
            rules = rule.rules if isinstance(rule, _Rules) else (rule,)
            return next((r for r in rules if isinstance(r, Param)), (node, key))
        return None
    return None


def integer_key(cfg: DictConfig, path: str) -> bool:
    """Whether the config key ``path`` takes integers only: a `Param` of kind ``int`` in the
    tables (``train.epochs``, ``plan.num_models``, ``seed``), or an argument of a
    ``_target_`` node that its table (`TARGET_PARAMS`) or its annotation (``int``, not
    ``float``) holds to integers (``defense.advreg.attack_steps``, ``dataset.num_features``).
    ``False`` where it is not known (a node the sweep chooses, a target not importable):
    the sweep checks refuse a float search range only where every trial would be refused."""
    found = _spec_of(cfg, path)
    if isinstance(found, tuple):
        return _integer_argument(cfg, *found)
    return found is not None and found.kind == "int"


def _integer_argument(cfg: DictConfig, node_path: str, key: str) -> bool:
    """`integer_key` for argument ``key`` of the ``_target_`` node at ``node_path``, by its
    annotation (no `TARGET_PARAMS` entry holds it)."""
    try:
        node = OmegaConf.select(cfg, node_path, throw_on_resolution_failure=False)
        target = _locate(str(node._target_))
    except Exception:
        return False
    kinds = _kinds(_signature(target)[1].get(key))
    return kinds is not None and "int" in kinds and "float" not in kinds
