"""Checks of a run's DP claim (its ``privacy`` block): whether its fields contradict each
other or the run's config, and whether its ε is a guarantee by that config."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping
from typing import Any

from mia_defense.report.checks._values import (
    _counts,
    _number_problem,
    _numbers,
    _show,
    _type_name,
    count_too_large,
    one_line,
    same_figure,
)
from mia_defense.report.checks.doubt import (  # (objectives.py's too: `epsilon_doubt`)
    _SCHEDULE_FIELDS,
    _dp_config,
    _dp_node,
    _tolerance,
    accountant_disagreement,
    edited,
    epsilon_doubt,
)
from mia_defense.report.checks.headline import writer_mark
from mia_defense.report.objectives import UNDERSTATED_LEAK, epsilon_vacuous
from mia_defense.tracking.artifacts import FIRST_CHECKPOINT

__all__ = [
    "dp_claim_problem",
    "dp_schedule_problem",
    "epsilon_doubt",
    "flag_problem",
    "reason_problem",
    "schedule_deleted",
    "vacuous_epsilon",
]


def flag_problem(
    privacy: Mapping[str, Any], flags: tuple[str, ...] = ("epsilon_refuted", "epsilon_valid")
) -> str | None:
    """Why one of ``privacy``'s ``flags`` is no boolean, or ``None``: a string "false"
    reads as true, and `epsilon_doubt` took the ε for a guarantee."""
    for flag in flags:
        value = privacy.get(flag, False)
        if not isinstance(value, bool):
            return f"privacy.{flag} is {_type_name(value)} {_show(value)}, not true or false"
    return None


# The privacy fields of results.json that say, where set, why its attacks' figures
# understate the leak (`UNDERSTATED_LEAK`; a white-box attack's inverted scores: its figures
# and the ε bound) or may misstate it (mia-attack's masks, `notes.caveats`): a reason, left
# out (or null) where there is none.
_REASON_FIELDS = (*UNDERSTATED_LEAK, "white_box_attacks_inverted", "masks_suspect",
                  "masks_unbalanced")  # fmt: skip
# What a hand-edited reason field reads as where it means no (or yes), never a reason.
_NO_REASON = frozenset({"", "false", "true", "no", "yes", "none", "null", "0", "1", "off", "on"})


def reason_problem(privacy: Mapping[str, Any]) -> str | None:
    """Why one of ``privacy``'s `_REASON_FIELDS` is neither a reason nor null, or
    ``None``: ``"false"`` (or false, 0) read as set, and the run's row was called understated,
    left off the Pareto fronts with the caveat 'the models' outputs are saturated: false'."""
    for field in _REASON_FIELDS:
        value = privacy.get(field)
        if value is None or (isinstance(value, str)
                             and value.strip().lower() not in _NO_REASON):  # fmt: skip
            continue
        return (f"privacy.{field} is {_type_name(value)} {_show(value)}, not a reason: "
                f"results.json says why there (text) and leaves the field out where there is "
                f"no reason; delete it, or rerun the run")
    return None


def _privacy_problem(payload: Mapping[str, Any]) -> str | None:
    flags = flag_problem(payload.get("privacy", {})) or reason_problem(payload.get("privacy", {}))
    if flags is not None:
        return flags
    epsilon = payload.get("privacy", {}).get("epsilon")
    if isinstance(epsilon, float) and epsilon == math.inf:
        return None  # no noise: an infinite ε (a JSON number too large for a float)
    problem = _number_problem("privacy.epsilon", epsilon)
    if problem is None and epsilon is not None and epsilon < 0:
        return f"privacy.epsilon is {epsilon:g}, negative (no ε is)"
    if problem is None:
        config = payload.get("config")
        problem = dp_claim_problem(
            payload.get("privacy", {}), num_models=payload.get("num_models"),
            defenses=config.get("defense") if isinstance(config, Mapping) else None,
        ) or schedule_deleted(payload)  # fmt: skip
        if problem is not None:
            return edited(problem)  # (not a DP claim mia-defense wrote)
    return problem


def schedule_deleted(payload: Mapping[str, Any]) -> str | None:
    """Why a finite ε of mia-defense's DP-SGD (``config.defense``'s DPSGD) in a results.json
    of mia-train (`_mark`; no ``source``: mia-attack carries the privacy block of the run it
    attacked, of any age) lacks what recomputes it, or ``None``: ``privacy.per_model``
    missing or empty, or a field of a model deleted. `_recomputed_problem` takes such a run
    for an older one, and an ε lowered by hand with per_model deleted stood as a guarantee.
    A file without a mark (a run of before 2026-11-30, a tool of your own, or the marks
    deleted too: nothing signs the record) is not held to it."""
    privacy, config = payload.get("privacy"), payload.get("config")
    mark = _mark(payload)
    if mark is None or "source" in payload or not isinstance(config, Mapping):
        return None
    node = _dp_config(config)
    epsilon = privacy.get("epsilon") if isinstance(privacy, Mapping) else None
    if (not isinstance(node, Mapping) or node.get("_target_") != "mia_defense.defenses.DPSGD"
            or not _numbers(epsilon) or not math.isfinite(epsilon)):  # fmt: skip
        return None
    models = privacy.get("per_model")
    if not isinstance(models, list) or not models:  # (no list: `dp_claim_problem`)
        return (f"privacy.epsilon is {epsilon:g} without privacy.per_model, but the file is "
                f"mia-train's ({mark}), which writes each model's σ, sample "
                "rate, steps and δ beside a DP-SGD ε: deleted after the run, and with it the "
                "recomputation of the ε")
    for k, model in enumerate(models):
        missing = [f for f in _SCHEDULE_FIELDS if f not in model]
        if missing:
            return (f"privacy.per_model[{k}] has no {missing[0]}, but the file is mia-train's "
                    f"({mark}), which writes {', '.join(_SCHEDULE_FIELDS)} "
                    "for each model: deleted after the run, and with it the recomputation of "
                    "the ε")
    return None


def _mark(payload: Mapping[str, Any]) -> str | None:
    """What says mia-train (of 2026-11-30 or later, which writes ``per_model``) wrote
    ``payload``: its `writer_mark`, or the sha256 of its first checkpoint (recorded since
    8828287 of 2026-12-02: a file whose timings were deleted too), or ``None``."""
    record = payload.get("sha256")
    held = isinstance(record, Mapping) and FIRST_CHECKPOINT in record
    return writer_mark(payload) or (f"sha256[{FIRST_CHECKPOINT!r}]" if held else None)


def dp_claim_problem(
    privacy: Mapping[str, Any], *, num_models: Any = None, defenses: Any = None
) -> str | None:
    """How a DP claim (a finite ``privacy.epsilon``) contradicts its own fields, or ``None``.

    Each rule holds for every ``privacy`` block mia-defense writes (`mia_defense.defenses.
    accounting.privacy_report`, `mia_defense.pipeline.claim.check_claim`): ``epsilon`` is the
    largest of ``per_model``'s (one per model) and ``delta`` their largest δ, in (0, 1); a
    run trained without any defense (``defenses``: its ``config.defense``) claims none; a
    noise multiplier of 0 spends an infinite ε; ``epsilon_invalid_reason`` comes only with
    ``epsilon_valid`` false, the refutation's reason only with ``epsilon_refuted`` true. A
    file that breaks one was edited (an ε lowered by hand, a reason dropped), and its ε was
    shown as a guarantee.
    """
    epsilon = privacy.get("epsilon")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        return None  # no claim (null: no noise, an infinite ε)
    epsilon = float(epsilon)
    if not math.isfinite(epsilon):
        return None
    if isinstance(defenses, Mapping) and not defenses:  # (None: a config that does not say)
        return (f"privacy.epsilon is {epsilon:g}, but the run trained without any defense "
                "(config.defense is empty): no DP-SGD spent an ε")
    delta = privacy.get("delta")
    if delta is not None and (_number_problem("", delta) is not None or not 0 < delta < 1):
        return f"privacy.delta is {_type_name(delta)} {_show(delta)}, not a number in (0, 1)"
    valid, refuted = privacy.get("epsilon_valid"), privacy.get("epsilon_refuted")
    if valid is not False and privacy.get("epsilon_invalid_reason"):
        reason = one_line(privacy["epsilon_invalid_reason"], limit=120)
        return ("privacy.epsilon_valid is not false, yet privacy.epsilon_invalid_reason says "
                f"why the ε is no guarantee ({reason})")
    for key in ("epsilon_refuted_reason", "epsilon_refuted_by"):
        if refuted is not True and privacy.get(key):
            return (f"privacy.epsilon_refuted is not true, yet privacy.{key} says a measured "
                    f"bound refutes it ({one_line(privacy[key], limit=120)})")
    below = (_off_target(epsilon, defenses, privacy.get("per_model"))
             if valid is not False else None)  # fmt: skip
    if below is not None:
        return below
    noise = privacy.get("noise_multiplier")
    if _numbers(noise) and noise <= 0 and epsilon > 0:
        return (f"privacy.epsilon is {epsilon:g} with privacy.noise_multiplier {noise:g}: "
                "DP-SGD without noise spends an infinite ε")
    models = privacy.get("per_model")
    if models is None:
        models = []
    elif not isinstance(models, list) or not all(isinstance(m, Mapping) for m in models):
        return f"privacy.per_model is {_type_name(models)}, not a list of objects (one per model)"
    count = len(models)
    if models and isinstance(num_models, int) and count != num_models:
        return (f"privacy.per_model lists {count} models, num_models is {num_models}: the run's ε "
                "is the largest of its models'")
    for k, model in enumerate(models):
        own = model.get("epsilon", 0.0)
        unusable = own is not None and _number_problem(f"privacy.per_model[{k}].epsilon", own)
        if unusable or (_numbers(own) and own < 0):  # (the ε of one model a schedule recomputes)
            return unusable or f"privacy.per_model[{k}].epsilon is {own:g}, negative (no ε is)"
        if own is None or (_numbers(own) and own > epsilon + _tolerance(epsilon)):
            shown = "null (no ε known)" if own is None else f"{own:g}"
            return (f"privacy.per_model[{k}].epsilon is {shown}, above privacy.epsilon "
                    f"{epsilon:g}, which is the largest model's ε")
        own_delta = model.get("delta")
        if _numbers(own_delta, delta) and own_delta > delta + _tolerance(delta):
            return (f"privacy.per_model[{k}].delta is {own_delta:g}, above privacy.delta "
                    f"{delta:g}, which is the largest model's δ")
        sigma, steps = model.get("noise_multiplier"), model.get("steps")
        if _numbers(sigma, steps) and sigma <= 0 and steps > 0 and _numbers(own) and own >= 0:
            return (f"privacy.per_model[{k}] took {steps:g} steps with noise_multiplier "
                    f"{sigma:g} and records a finite ε: DP-SGD without noise spends an infinite ε")
    found = _dp_node(defenses) if isinstance(defenses, Mapping) else None
    if found is not None:
        unset = _dp_setting_problem(*found)
        if unset is not None:
            return unset
        return accountant_disagreement(privacy, found) or _recomputed_problem(models, privacy)
    return None


# What each setting of a DP-SGD config node may be in a run mia-train trained
# (`mia_defense.defenses.DPSGD`'s refusals; its module imports torch): (low, high, null
# allowed) of a number, bounds open but for noise_multiplier's 0; target_epsilon's high is
# `MAX_TARGET_EPSILON`, inclusive (`_dp_setting_problem`).
_DP_NUMBERS = {"noise_multiplier": (0.0, math.inf, True), "target_epsilon": (0.0, math.inf, True),
               "delta": (0.0, 1.0, True), "max_grad_norm": (0.0, math.inf, False)}  # fmt: skip
_DP_FLAGS = ("poisson_sampling", "allow_unaccounted_sampling", "secure_mode")


def _dp_setting_problem(key: str, node: Mapping[str, Any]) -> str | None:
    """Why a setting of the DP-SGD config node ``config.defense.<key>`` is none mia-train
    trains with (a number out of its range, NaN, text, an accountant it has not, a flag that
    is no boolean), or ``None``. Such a file was edited: its δ of NaN or target ε of 'x'
    stood beside the recorded ε, shown as a guarantee under settings no run had. A setting
    missing (an older config) is not checked."""
    from mia_defense.defenses.accounting import MAX_TARGET_EPSILON  # (numpy alone: no torch)

    for setting, (low, high, nullable) in _DP_NUMBERS.items():
        value = node.get(setting)
        if setting not in node or (value is None and nullable):
            continue
        most = MAX_TARGET_EPSILON if setting == "target_epsilon" else None  # (inclusive)
        inside = _numbers(value) and (low <= value if setting == "noise_multiplier"
                                      else low < value) and (
            value < high if most is None else value <= most)  # fmt: skip
        if not inside:
            rule = (f"a number in [{low:g}, {high:g})" if setting == "noise_multiplier"
                    else f"a number in ({low:g}, {most:g}]" if most is not None
                    else f"a number in ({low:g}, {high:g})") + (" or null" if nullable else "")
            return (f"config.defense.{key}.{setting} is {_type_name(value)} {_show(value)}, "
                    f"no setting mia-train trains with ({rule})")
    if "accountant" in node and node["accountant"] not in _ACCOUNTANTS:
        return (f"config.defense.{key}.accountant is {_type_name(node['accountant'])} "
                f"{_show(node['accountant'])}, no accountant mia-train has "
                f"({', '.join(_ACCOUNTANTS)})")
    for flag in _DP_FLAGS:
        if flag in node and not isinstance(node[flag], bool):
            return (f"config.defense.{key}.{flag} is {_type_name(node[flag])} "
                    f"{_show(node[flag])}, not true or false")
    return None


def dp_schedule_problem(payload: Mapping[str, Any], members: list[int] | None) -> str | None:
    """How a DP-SGD run's ``privacy.per_model`` inputs of ε differ from what its config and
    its models' member counts (``members``: observations.npz's masks, ``None`` where the
    folder has none) make them, or ``None``: σ is ``defense.dp.noise_multiplier`` where set,
    δ ``defense.dp.delta`` or 1 / (10 · members), q = 1 / ceil(members / train.batch_size)
    and steps train.epochs / q (`mia_defense.defenses.dp_mechanism.DPSchedule`). The ε
    recomputed from them (`dp_claim_problem`) held for a lowered ε whose inputs were edited
    to match it (σ raised, q, steps or δ lowered). Not checked: steps below the schedule's
    beside early_stopping (before 2026-12-04 a model stopped early recorded the steps it
    took), a field missing (an older run, a config without ``delta``)."""
    privacy, config = payload.get("privacy"), payload.get("config")
    if not isinstance(privacy, Mapping) or not isinstance(config, Mapping):
        return None
    defenses, train = config.get("defense"), config.get("train")
    found = _dp_node(defenses) if isinstance(defenses, Mapping) else None
    models = privacy.get("per_model")
    if found is None or not isinstance(models, list) or not _numbers(privacy.get("epsilon")):
        return None
    key, node = found
    sigma, delta = node.get("noise_multiplier"), node.get("delta")
    batch = train.get("batch_size") if isinstance(train, Mapping) else None
    epochs = train.get("epochs") if isinstance(train, Mapping) else None
    early = "early_stopping" in defenses
    if members is not None and len(members) != len(models):
        members = None
    for k, model in enumerate(models):
        if not isinstance(model, Mapping):
            return None
        n = members[k] if members is not None else None
        want = {"noise_multiplier": sigma if _numbers(sigma) else None,
                "delta": delta if _numbers(delta) else (1.0 / (10.0 * n) if n and "delta"
                                                        in node and delta is None else None)}
        if n and _counts(batch, epochs) and batch > 0:
            batches = math.ceil(n / batch)
            want |= {"sample_rate": 1.0 / batches, "steps": epochs * batches}
        for field, expected in want.items():
            value = model.get(field)
            if expected is None or not _numbers(value) or same_figure(value, expected):
                continue
            if field == "steps" and early and value < expected:
                continue
            source = (
                f"config.defense.{key}.{field}" if field in ("noise_multiplier", "delta")
                and _numbers(node.get(field)) else f"1 / (10 · its {n} members)"
                if field == "delta" else f"1 / ceil({n} members / train.batch_size {batch})"
                if field == "sample_rate" else f"train.epochs {epochs} × "
                f"{math.ceil(n / batch)} steps an epoch"
            )  # fmt: skip
            return (f"privacy.per_model[{k}].{field} is {value:g}, but {source} makes it "
                    f"{expected:g}: changed after the run (the ε is recomputed from it); rerun "
                    "the run")
    return None


# The steps of a prv model the report recomputes ε for: Opacus' PRV accountant takes time
# growing with them (6 s at 10**6 steps, 150 s at 10**9 where σ is large).
_MAX_PRV_STEPS = 10**6
# The schedules (accountant, σ, q, steps) of one run the report recomputes ε for (each an
# accountant call, 0.15 s to seconds): a run's models share σ (since 2026-11-30) and take
# one of a few sample rates (1 / ceil(members / batch)).
_MAX_SCHEDULES = 64
_ACCOUNTANTS = ("rdp", "prv", "gdp")


def _recomputed_problem(
    models: list[Mapping[str, Any]], privacy: Mapping[str, Any]
) -> str | None:
    """How a model's ε in ``privacy.per_model`` differs, beyond float rounding, from the ε
    its own noise multiplier, sample rate, steps and δ spend by its accountant (the run's
    arithmetic: `mia_defense.defenses.accounting.schedule_epsilon`), or ``None``. An ε lowered
    by hand, with per_model and the headline's copy to match, was ranked as a guarantee.

    Of the models sharing a schedule, the one of the least δ is recomputed: its ε is their
    largest (ε falls as δ grows), and ``privacy.epsilon`` is at least each model's
    (`dp_claim_problem`), so it is at least every model's own. Models lacking one of these
    fields (a run of an older mia-defense) are not recomputed. A recorded ε above its
    recomputed one is the run's own where ``epsilon_valid`` is false (`privacy_report` keeps
    the larger of a checkpoint's and its recomputed ε)."""
    run = privacy.get("accountant", "rdp")
    worst: dict[tuple[Any, ...], tuple[float, int]] = {}
    for k, model in enumerate(models):
        found = _schedule(k, model, run)
        if isinstance(found, str):
            return found
        if found is not None:
            key, delta = found
            if key not in worst and len(worst) == _MAX_SCHEDULES:
                return (f"privacy.per_model holds more than {_MAX_SCHEDULES} schedules (σ, "
                        "sample rate, steps), more than the report recomputes ε for; a run's "
                        "models share σ")
            if key not in worst or delta < worst[key][0]:
                worst[key] = (delta, k)
    for (accountant, sigma, rate, steps), (delta, k) in worst.items():
        eps = models[k]["epsilon"]
        again = _epsilon_once(accountant, sigma, rate, steps, delta)
        if math.isclose(eps, again, rel_tol=1e-9, abs_tol=1e-12):
            continue
        if eps > again and privacy.get("epsilon_valid") is False:
            continue
        return (f"privacy.per_model[{k}].epsilon is {eps:g}, but its noise_multiplier "
                f"{sigma:g}, sample_rate {rate:g}, steps {steps} and delta {delta:g} spend ε "
                f"{again:g} by the {accountant} accountant the run used")
    return None


def _schedule(
    k: int, model: Mapping[str, Any], run: Any
) -> tuple[tuple[str, float, float, int], float] | str | None:
    """``((accountant, σ, q, steps), δ)`` of ``privacy.per_model[k]``, ``None`` where a field
    is missing (a run of an older mia-defense), or why its fields are none a run records."""
    where = f"privacy.per_model[{k}]"
    keys = ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta")
    eps, sigma, rate, steps, delta = (model.get(key) for key in keys)
    if None in (eps, sigma, rate, steps, delta):
        return None
    if "accountant" not in model and run != "rdp":
        return None  # (before f4ffa6a a prv or gdp model past RDP ε 100 kept Opacus' figure)
    accountant = model.get("accountant", run)
    if accountant not in _ACCOUNTANTS or accountant not in (run, "rdp"):
        return (f"{where}.accountant is {_show(accountant)}, not the run's {_show(run)} or "
                "rdp (its upper bound)")
    for key, value in (("epsilon", eps), ("noise_multiplier", sigma), ("sample_rate", rate),
                       ("delta", delta)):  # fmt: skip
        problem = _number_problem(f"{where}.{key}", value, nullable=False)
        if problem is not None:
            return problem
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        return f"{where}.steps is {_type_name(steps)} {_show(steps)}, not an integer >= 0"
    too_large = count_too_large(f"{where}.steps", steps)
    if too_large is None and accountant == "prv" and steps > _MAX_PRV_STEPS:
        too_large = (f"{where}.steps is {steps}, more than the report recomputes a prv ε for "
                     f"({_MAX_PRV_STEPS:g})")
    if too_large is not None:
        return too_large
    if not (sigma >= 0 and 0 <= rate <= 1 and 0 < delta < 1):
        return (f"{where} has noise_multiplier {sigma:g}, sample_rate {rate:g}, delta "
                f"{delta:g}: no DP-SGD's (σ >= 0, q in [0, 1], δ in (0, 1))")
    return (str(accountant), float(sigma), float(rate), steps), float(delta)


@functools.lru_cache(maxsize=4096)
def _epsilon_once(accountant: str, sigma: float, rate: float, steps: int, delta: float) -> float:
    """`mia_defense.defenses.accounting.schedule_epsilon` (what the run computed each
    model's ε with), memoized per distinct inputs for a sweep of DP runs. The accounting
    module imports numpy alone (Opacus' analysis on first use), not torch."""
    from mia_defense.defenses.accounting import schedule_epsilon

    with warnings.catch_warnings():  # (Opacus' "GDP accounting is experimental": the run's)
        warnings.filterwarnings("ignore", message="GDP accounting", category=UserWarning)
        return schedule_epsilon(accountant, sigma, rate, steps, delta)


# How far below its target an ε calibrated by mia-defense (or Opacus) may end: the search
# for σ stops within 0.01 below the target (`mia_defense.defenses.accounting`; the report
# imports no torch), with some room for rounding.
_TARGET_TOLERANCE = 0.0101


def _off_target(epsilon: float, defenses: Any, models: Any) -> str | None:
    """How a claimed ``epsilon`` lies off the ``target_epsilon`` its DP-SGD config
    calibrated the noise to spend (``noise_multiplier`` null), or ``None``: below it by more
    than the search's 0.01 (σ searched until the largest model's ε is within 0.01 below the
    target), or above it at all, beyond float rounding (`_tolerance`): the search keeps a σ
    only where the accountant gives each model's planned steps at most the target
    (`accounting.shared_noise_multiplier`; a model stopped early is accounted for its
    planned steps), and results.json records that same accountant's figure. An ε lowered
    by hand, with per_model and the headline's copy to match, passed as a guarantee of the
    lower ε; a target lowered below the recorded ε stood as the one that calibrated it.
    Above is asked only of a run with ``per_model`` (mia-train since 5c1486b of
    2026-11-30): before it σ was searched for Opacus' int(epochs / q) steps, one fewer than
    were taken where the division rounds down, and the ε could end past the target."""
    if not isinstance(defenses, Mapping):
        return None
    found = _dp_node(defenses)
    if found is None:
        return None
    key, node = found
    target = node.get("target_epsilon")
    if node.get("noise_multiplier") is not None or not _numbers(target):
        return None
    target = float(target)
    if not math.isfinite(target):
        return None
    if epsilon < target - _TARGET_TOLERANCE:
        return (f"privacy.epsilon is {epsilon:g}, but config.defense.{key}.target_epsilon, "
                f"which calibrated the noise to spend it, is {target:g} (the accountant's "
                "search ends within 0.01 below it)")
    if epsilon > target + _tolerance(target) and isinstance(models, list) and models:
        return (f"privacy.epsilon is {epsilon:.12g}, above config.defense.{key}.target_epsilon "
                f"{target:.12g}, which calibrated the noise: mia-train's σ spends at most the "
                "target in each model's planned steps")
    return None


def vacuous_epsilon(privacy: Any) -> str | None:
    """What to say of a finite ε above `MAX_TARGET_EPSILON` (the largest target mia-train
    accepts, past which ε guarantees nothing), or ``None``: an explicit
    ``defense.dp.noise_multiplier`` (0.05 on a small plan spent 1.6e4) trained a DP run
    that mia-train only warned of (`mia_defense.defenses.dp._warn_meaningless_epsilon`,
    the same limit) and recorded with ``epsilon_valid: true``; the report showed its ε as a
    guarantee ('yes') in the table and on the fronts, a DP row beside guaranteed ones."""
    from mia_defense.defenses.accounting import MAX_TARGET_EPSILON  # (numpy alone: no torch)

    epsilon = privacy.get("epsilon") if isinstance(privacy, Mapping) else None
    if not epsilon_vacuous(epsilon):
        return None
    sigma = privacy.get("noise_multiplier")
    spent = f"defense.dp.noise_multiplier={sigma:g} spent" if _numbers(sigma) else "spent"
    return (f"its ε {epsilon:.3g} is vacuous: {spent} ε above {MAX_TARGET_EPSILON:g}, where ε "
            "guarantees nothing (an attacker's TPR may be e^ε times its FPR), so its models "
            "trained almost as without DP under a DP run's name. For a guarantee, raise "
            "defense.dp.noise_multiplier, or set defense.dp.target_epsilon (<= "
            f"{MAX_TARGET_EPSILON:g}; most DP work uses 0.1-10) and noise_multiplier=null")


