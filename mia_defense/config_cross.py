"""The config check's problems that no single key's value shows: a ``_target_`` node's
settings against each other or the plan (`_few_lira_references`, `_few_shokri_records`,
`_csv_column_clashes`, which the walk of `mia_defense.config` calls on the node), and, after
the walk, its values that passed against each other and the machine (`_cross_checks`:
attack.num_targets above plan.num_models, too many canaries, FPRs and confidence levels no
run can measure, an empty one-run audit, a noise too large, a seed scikit-learn refuses, a
device or thread count the machine lacks, an optimiser or train.fit that cannot be built)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.attacks.lira import few_references_message
from mia_defense.attacks.shokri import MAX_SEED, few_records_message, few_records_plan
from mia_defense.budget import usable_cores
from mia_defense.constraints import show
from mia_defense.data.csv_columns import (
    check_column_settings,
    check_drop_columns,
    check_fixed_categories,
    check_label_column,
)
from mia_defense.errors import ConfigError, first_line
from mia_defense.metrics.roc import fpr_percent
from mia_defense.plan import DEFAULT_POPULATION
from mia_defense.targets import is_forbidden
from mia_defense.training.config import TRAIN

# Augmented queries' feature noise, in units of each feature's standard deviation: far
# beyond 1 a perturbed copy is noise around nothing of the record, and 1e300 overflowed the
# float32 inputs to inf, reported after training as 'training diverged ... train.lr'.
MAX_NOISE_STD = 1000.0


def _few_lira_references(node: DictConfig, path: str, num_models: Any) -> list[str]:
    """lira's fixed_variance=false with a plan of 4 models or fewer: every record trains
    half of them, so a target's K - 1 references leave it K/2 - 1 IN or OUT ones, below
    the 2 that per-example variances need; the attack refused it after the models were
    trained, leaving the run folder with the error's log. Same wording."""
    fixed = OmegaConf.select(node, "fixed_variance", throw_on_resolution_failure=False)
    if fixed is not False or not isinstance(num_models, int) or num_models > 4:
        return []
    return [f"{path}: {few_references_message(num_models, num_models // 2 - 1)}"]


def _few_shokri_records(node: DictConfig, path: str, ok: Mapping[str, Any]) -> list[str]:
    """shokri with one shadow model per target (plan.num_models=2) and 3 records or fewer:
    it refused that after the models were trained, inside the run folder. Same wording."""
    num_models, population = ok.get("plan.num_models"), ok.get("plan.population_size")
    folds = OmegaConf.select(node, "folds", throw_on_resolution_failure=False)
    if not few_records_plan(num_models, population, folds):
        return []
    more = f"raise plan.population_size={population} (at least 4 with plan.num_models={num_models})"
    return [f"{path}: {few_records_message(more)}"]


def _csv_column_clashes(node: DictConfig) -> list[str]:
    """The problem of a CSV dataset's column settings that name the same column twice over
    (`check_column_settings`: the label column in dataset.drop_columns), before the data."""
    try:
        values = {key: OmegaConf.to_container(node[key], resolve=True)
                  if isinstance(node[key], DictConfig | ListConfig) else node[key]
                  for key in ("label_column", "drop_columns", "categories") if key in node}
        check_column_settings(label_column=check_label_column(values.get("label_column")),
                              drop=check_drop_columns(values.get("drop_columns")),
                              fixed=check_fixed_categories(values.get("categories")) or {})
    except ConfigError as exc:
        return [str(exc)]
    except OmegaConfBaseException:  # (an unresolvable value is refused where it stands)
        pass
    return []


def _cross_checks(ok: Mapping[str, Any]) -> list[str]:
    """Problems that involve two keys or the machine."""
    problems = []
    plan = {key: ok.get(f"plan.{key}") for key in ("num_models", "population_size", "test_size")}
    targets, num_models = ok.get("attack.num_targets"), plan["num_models"]
    if targets is not None and num_models is not None and targets > num_models:
        problems.append(
            f"attack.num_targets={targets}: must lie in [1, {num_models}] (plan.num_models) "
            "or be null"
        )
    canaries, population = ok.get("attack.canaries.num"), plan["population_size"]
    if population is None and plan["test_size"] is None and "plan.test_size" in ok:
        population = DEFAULT_POPULATION  # the default's upper bound (plan.default_population)
    if canaries is not None and population is not None and canaries > population // 2:
        problems.append(
            f"attack.canaries.num={canaries}: more than half of plan.population_size="
            f"{population}; canaries must stay a minority of the population (at most "
            f"{population // 2})"
        )
    problems += _fpr_key_clashes(ok.get("attack.fprs"))
    problems += _unmeasurable_fprs(ok.get("attack.fprs"))
    problems += _low_confidence(ok.get("attack.confidence"))
    problems += _empty_audit(ok)
    problems += noise_std_problems(ok.get("attack.queries.noise_std"),
                                   ok.get("attack.queries.num_augmented"))  # fmt: skip
    problems += _seed_range(ok.get("seed"))
    if ok.get("train.device") == "cuda" and not torch.cuda.is_available():
        problems.append(
            "train.device='cuda': no CUDA device is available on this machine; use "
            "train.device=cpu or auto"
        )
    optimizer = ok.get("train.optimizer")
    if isinstance(optimizer, Mapping) and not is_forbidden(str(optimizer.get("_target_")), None):
        from mia_defense.training.config import TrainConfig

        # the optimiser is built once over a dummy parameter, with the values that passed
        train = {key: ok[f"train.{key}"] for key in TRAIN if f"train.{key}" in ok}
        try:
            if isinstance(optimizer, DictConfig):
                train["optimizer"] = OmegaConf.to_container(optimizer, resolve=True)
            TrainConfig(**train)
        except ConfigError as err:
            problems.append(str(err))
        except OmegaConfBaseException as exc:
            problems.append("train.optimizer: cannot resolve its value "
                            f"({first_line(exc, type(exc).__name__)})")
    fit = ok.get("train.fit")
    if isinstance(fit, Mapping):  # a function that cannot be imported (my_pkg.fitt): up front
        from mia_defense.user_fit import load_user_fit

        try:
            load_user_fit(OmegaConf.to_container(fit, resolve=True)
                          if isinstance(fit, DictConfig) else fit)  # fmt: skip
        except ConfigError as err:
            problems.append(str(err))
        except OmegaConfBaseException as exc:
            problems.append("train.fit: cannot resolve its value "
                            f"({first_line(exc, type(exc).__name__)})")
    threads, cores = ok.get("train.threads"), usable_cores()
    if threads is not None and threads > cores:
        problems.append(
            f"train.threads={threads}: more than the {cores} cores this process may use; "
            f"use 0 (all of them) or a number in [1, {cores}]"
        )
    return problems


def _seed_range(seed: int | None) -> list[str]:
    """A seed scikit-learn refuses (above 2**32 - 1): Shokri's attack model takes it as its
    random_state, and its parameter check stopped the run with a traceback after training.
    (``attack.attacks.shokri.seed`` is checked by the attack itself, before training.)"""
    if isinstance(seed, int) and seed > MAX_SEED:
        return [f"seed={seed}: at most {MAX_SEED} (scikit-learn's random_state range: "
                "Shokri's attack model takes it); choose a smaller seed"]
    return []


def _fpr_key_clashes(fprs: Sequence[float] | None) -> list[str]:
    """FPRs that differ but share results.json's key (``tpr@0.1%fpr``: six significant
    digits), where one figure would overwrite the other."""
    seen: dict[str, float] = {}
    for fpr in fprs or ():
        key = fpr_percent(fpr)
        if key in seen and seen[key] != float(fpr):
            return [
                f"attack.fprs: {seen[key]!r} and {float(fpr)!r} are both reported as "
                f"tpr@{key}%fpr (results.json keeps one figure per key); drop one, or make "
                "them differ in the first six significant digits"
            ]
        seen[key] = float(fpr)
    return []


# The smallest FPR a run may ask for: measuring it takes 10^12 non-member scores, far
# beyond any run (K targets x N/2 non-members); below it a key of results.json ran to 300
# digits (attack.fprs=[1e-320]: tpr@0.000...0999989%fpr) for a TPR at FPR 0.
MIN_FPR = 1e-12


def _unmeasurable_fprs(fprs: Sequence[float] | None) -> list[str]:
    """FPRs below `MIN_FPR`, which passed (0, 1)."""
    tiny = [fpr for fpr in fprs or () if fpr < MIN_FPR]
    if not tiny:
        return []
    return [f"attack.fprs: {show(tiny[0])} is below {MIN_FPR:g}: measuring a TPR there takes "
            f"{1 / MIN_FPR:.0e} non-member scores or more, far beyond any run (with fewer it "
            "is the TPR at FPR 0); use FPRs such as 0.001 (at least 1 / the non-member scores "
            "of the run)"]


# Below it a bound or interval holds less often than not (`_low_confidence`).
MIN_CONFIDENCE = 0.5


def _low_confidence(confidence: float | None) -> list[str]:
    """A level below `MIN_CONFIDENCE`, which passed (0, 1): at 1e-9 the one-run audit's ε
    'lower bound' on 1000 canaries scored without any signal exceeded 0.05 in 1 draw of
    20, enough to call a DP claim of ε 0.05 that holds refuted."""
    if confidence is None or not 0 < confidence < MIN_CONFIDENCE:
        return []
    return [f"attack.confidence={show(confidence)}: below {MIN_CONFIDENCE:g}, the ε lower "
            "bounds and intervals would hold less often than not (a claim 'refuted' more "
            "likely wrongly than rightly); use 0.95 (at least 0.5)"]


def _empty_audit(ok: Mapping[str, Any]) -> list[str]:
    """``attack.audit=one_run`` without canaries of either kind: both sides were skipped,
    and the run's summary still advised 'a one-run audit (attack.audit=one_run)'."""
    if ok.get("attack.audit") != "one_run" or ok.get("attack.audit_canaries") != 0:
        return []
    white_box, gradient = ok.get("attack.white_box"), ok.get("attack.audit_gradient_canaries")
    if white_box is not False and gradient != 0:
        return []
    why = "attack.white_box=false" if white_box is False else "attack.audit_gradient_canaries=0"
    return [f"attack.audit=one_run with attack.audit_canaries=0 and {why}: the audit would "
            "have no canaries and audit nothing; give attack.audit_canaries (e.g. 100) or, "
            "for DP-SGD, attack.white_box=true with attack.audit_gradient_canaries (e.g. "
            "1000), or set attack.audit=none"]


def noise_std_problems(noise_std: float | None, num_augmented: int | None) -> list[str]:
    """The refusal of an ``attack.queries.noise_std`` too large for the perturbed queries
    (mia-train's config and `mia_defense.api.observe_models`' arguments), or none."""
    if noise_std is None or not num_augmented or noise_std <= MAX_NOISE_STD:
        return []
    return [
        f"attack.queries.noise_std={show(noise_std)}: at most {MAX_NOISE_STD:g} (in units of "
        "each feature's standard deviation; a perturbed copy that noisy holds nothing of its "
        "record, and beyond float32's range its inputs are inf); lower it (e.g. 0.3)"
    ]
