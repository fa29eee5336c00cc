"""The tables of what each config key accepts, and the lookups of a key's rule.

`PLAN`, `QUERIES`, `CANARIES`, `ATTACK` and `TOP` hold a `Param` (or a nested spec: `Group`,
`Target`, `Targets`) per key; `TARGET_PARAMS` holds the rules of our own targets' keywords
that nothing else checks before the run needs them. `key_param` and `integer_key` look up the
rule of one key for the sweep and search checks (`mia_defense.cli.search_checks`,
`mia_defense.cli.search_space_checks`).

Split out of `mia_defense.config` (which walks a composed config against these tables in
`check_config`) so that the tables are read in one place, apart from the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from hydra._internal.utils import _locate
from omegaconf import DictConfig, ListConfig, OmegaConf

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
from mia_defense.config_target_checks import _kinds, _signature
from mia_defense.constraints import Param, show
from mia_defense.data.csv_columns import (
    check_drop_columns,
    check_fixed_categories,
    check_label_column,
)
from mia_defense.data.csv_file import load_csv
from mia_defense.data.csv_numbers import check_decimal
from mia_defense.errors import ConfigError
from mia_defense.metrics.bootstrap import MAX_BOOTSTRAP
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
    "integer_key",
    "key_param",
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
