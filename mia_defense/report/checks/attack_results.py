"""Checks of a run's ``attacks`` results: each attack's figures and access label, their
ROC curve, the strongest attack's name and the count of non-member scores they rest on."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from mia_defense.attacks.base import ACCESS, BLACK_BOX, DEFAULT_ACCESS, access_of
from mia_defense.report.checks._values import (
    _bounded,
    _counts,
    _number_problem,
    _numbers,
    _show,
    _type_name,
    count_too_large,
    one_line,
)
from mia_defense.report.checks.doubt import edited

__all__ = ["ONE_CLASS_KEY", "resamples_drawn"]


_BUILT_IN = "mia_defense.attacks."


def _built_in_access(config: Any, name: str) -> tuple[str, str] | None:
    """The ``_target_`` of ``config.attack.attacks.<name>`` and the access its attack
    declares, when that is one of mia-defense's own attacks (a function of
    `mia_defense.attacks`, looked up there, never imported by name); ``None`` for a user's
    attack or a config that does not say."""
    import mia_defense.attacks as built_in

    attack = config.get("attack") if isinstance(config, Mapping) else None
    attacks = attack.get("attacks") if isinstance(attack, Mapping) else None
    entry = attacks.get(name) if isinstance(attacks, Mapping) else None
    target = entry.get("_target_") if isinstance(entry, Mapping) else None
    if not isinstance(target, str) or not target.startswith(_BUILT_IN):
        return None
    function = target.rpartition(".")[2]
    found = getattr(built_in, function, None) if function in built_in.__all__ else None
    if getattr(found, "access", None) not in ACCESS:  # (an attack declares it)
        return None
    return target, access_of(found)


_TPR_KEY = re.compile(r"tpr@([0-9]+(?:\.[0-9]+)?)%fpr")  # (not "1.2.3": no number)
_FPR_READ_KEY = re.compile(r"fpr_read@([0-9]+(?:\.[0-9]+)?)%fpr")
# The FPR in a key has six significant digits (`fpr_percent`): an FPR read at the column's
# own FPR may lie this far (relative) above the key's.
_KEY_ROUNDING = 1e-5


def _fpr_read_problem(name: str, metrics: Mapping[str, Any]) -> str | None:
    """An FPR a TPR was read at (``fpr_read@<f>%fpr``, `fpr_read_at`) above ``f``, or
    ``None``: the TPR at FPR f is read at f or below it, where a step of tied scores spans f.
    A value edited by hand above it (0.5 for 0.1%) went unremarked; one below 0 gave a note
    that the TPR was read at FPR -1e+02%."""
    for key, value in metrics.items():
        match = _FPR_READ_KEY.fullmatch(key)
        if match and _numbers(value):
            fpr = float(match.group(1)) / 100
            if value > fpr * (1 + _KEY_ROUNDING):
                return (f"attacks.{name}.{key} {value:g} is above {match.group(1)}%, the FPR "
                        "its TPR was read for (a TPR at an FPR is read at or below it): a "
                        "figure was changed after the run; rerun it")
    return None


def _roc_problem(name: str, metrics: Mapping[str, Any]) -> str | None:
    """How an attack's figures contradict the one ROC curve they are read off, or ``None``:
    a TPR at a lower FPR above one at a higher FPR (the curve never falls), or an AUC below
    what a TPR t at FPR f leaves under the curve, t (1 - f). A figure edited by hand (an AUC
    lowered, a TPR raised) breaks them; every run's figures keep them."""
    tprs = sorted(
        (float(match.group(1)) / 100, key, value) for key, value in metrics.items()
        if (match := _TPR_KEY.fullmatch(key)) and _numbers(value)
    )  # fmt: skip
    for (_, low_key, low), (_, high_key, high) in itertools.pairwise(tprs):
        if low > high + 1e-9:
            return (f"attacks.{name}.{low_key} {low:g} is above its {high_key} {high:g} (a ROC "
                    "curve never falls): a figure was changed after the run; rerun it")
    auc = metrics.get("auc")
    for fpr, key, tpr in tprs:
        if _numbers(auc) and auc < tpr * (1 - fpr) - 1e-9:
            return (f"attacks.{name}.auc {auc:g} is below {tpr * (1 - fpr):.4g}, the area its "
                    f"{key} {tpr:g} leaves under the ROC curve: a figure was changed after "
                    "the run; rerun it")
    return None


def resamples_drawn(config: Any) -> Any:
    """``config.attack.bootstrap`` as the file holds it (``None`` where the config does not
    say): how many bootstrap resamples the run's attack intervals were drawn from."""
    attack = config.get("attack") if isinstance(config, Mapping) else None
    return attack.get("bootstrap") if isinstance(attack, Mapping) else None


# An attack's count of its bootstrap resamples that drew one kind of record only, left out of
# its intervals (`mia_defense.metrics.bootstrap.one_class_note`).
ONE_CLASS_KEY = "ci_one_class_resamples"


def _one_class_problem(name: str, value: Any, config: Any) -> str | None:
    """How ``attacks.<name>.ci_one_class_resamples`` is no count of the run's resamples (an
    integer >= 0, at most ``config.attack.bootstrap`` where that is a count), or ``None``:
    edited to -1, 2.5 or more than were drawn, the intervals' resamples (`few_resamples`)
    were counted from it."""
    drawn = resamples_drawn(config)
    most = drawn if _counts(drawn) else None
    if value is None or (_counts(value) and (most is None or value <= most)):
        return count_too_large(f"attacks.{name}.{ONE_CLASS_KEY}", value)
    upto = "" if most is None else f" and <= config.attack.bootstrap ({most})"
    return edited(f"attacks.{name}.{ONE_CLASS_KEY} is {_type_name(value)} {_show(value)}, not "
                  f"an integer >= 0{upto} as mia-train writes it")


def _unresampled_problem(name: str, metrics: Mapping[str, Any], config: Any) -> str | None:
    """An interval bound of an attack beside ``config.attack.bootstrap`` 0, which draws no
    resamples and records every bound null (`bootstrap_intervals`), or ``None``: a run of 50
    resamples edited to 0 had its intervals shown as 95% ones, without the caveat of too few
    resamples (`few_resamples`) that 50 gets."""
    count = resamples_drawn(config)
    if type(count) is not int or count != 0:  # (not a count: `few_resamples` says so)
        return None
    for key, value in metrics.items():
        if key.endswith(("_ci_low", "_ci_high")) and _numbers(value):  # (NaN: none either)
            return edited(f"attacks.{name}.{key} is {value:g}, but config.attack.bootstrap "
                          "is 0, which computes no intervals (each bound null)")
    return None


def _attacks_problem(
    attacks: Mapping[str, Any], strongest: Any, config: Any = None
) -> str | None:
    if not attacks:
        return "no attack results"
    for name, metrics in attacks.items():
        if not isinstance(metrics, Mapping):
            return f"attacks.{name} is {_type_name(metrics)}, not an object of metrics"
        for key, value in metrics.items():
            if key == "access":
                if value not in ACCESS:
                    return f"attacks.{name}.access is {_show(value)}, not one of {ACCESS}"
                declared = _built_in_access(config, name)
                if declared is not None and declared[1] != value:
                    # a black-box attack marked white-box left the verdict (the leakage is
                    # the black-box attacks' strongest): its figure was hidden
                    return edited(
                        f"attacks.{name}.access is {_show(value)}, but its attack "
                        f"({one_line(declared[0], limit=80)}, config.attack.attacks.{name}) "
                        f"declares {declared[1]!r}"
                    )
                continue
            problem = (_one_class_problem(name, value, config) if key == ONE_CLASS_KEY else
                       _number_problem(f"attacks.{name}.{key}", value, fraction=_bounded(key)))
            if problem:
                return problem
            high = metrics.get(key.removesuffix("_ci_low") + "_ci_high")
            if key.endswith("_ci_low") and _numbers(value, high) and value > high:
                return f"attacks.{name}.{key} {value:g} is above its _ci_high {high:g}"
        problem = (_roc_problem(name, metrics) or _fpr_read_problem(name, metrics)
                   or _unresampled_problem(name, metrics, config))
        if problem:
            return problem
    if strongest is not None and (not isinstance(strongest, str) or strongest not in attacks):
        return (
            f"strongest_attack {_show(strongest)} is not one of its attacks "
            f"({one_line(', '.join(attacks))})"
        )
    access = attacks[strongest].get("access", DEFAULT_ACCESS) if strongest is not None else None
    black_box = any(m.get("access", DEFAULT_ACCESS) in BLACK_BOX for m in attacks.values())
    if access is not None and access not in BLACK_BOX and black_box:
        # (the strongest is picked among the black-box attacks: marked white-box after the
        # run, with its config's _target_, it left the verdict, the run's TPR then another's;
        # a run without any black-box attack is not ranked, `rank_problem`)
        return edited(
            f"strongest_attack {_show(strongest)} has access {_show(access)}, but the run "
            "picked it among its black-box attacks (access label or outputs)"
        )
    return None


def _count_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``nonmember_scores``, the count the TPRs rest on, contradicts the run: more than
    its models' scores of every record (``num_models`` x ``population_size``), or none
    beside TPR figures (no non-member: no TPR), or ``nonmember_records`` it cannot be of
    (none, or more records than scores). Either way the caveat on a TPR below the
    resolution of its scores (`resolution_note`) was not given."""
    count, models, records = (payload.get(k) for k in ("nonmember_scores", "num_models",
                                                       "population_size"))  # fmt: skip
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    if (isinstance(models, int) and isinstance(records, int) and not isinstance(records, bool)
            and count > models * records):  # fmt: skip
        return edited(f"nonmember_scores is {count}, more than its {models} models' scores "
                      f"of its {records} records (num_models x population_size)")
    records = payload.get("nonmember_records")  # (an integer >= 0 or null: _identity_problem)
    if isinstance(records, int) and ((records == 0) != (count == 0) or records > count):
        # (0 of 1000 scores was ranked unmarked, where 3 gets _pooled_note's caveat)
        return edited(f"nonmember_records is {records}, but nonmember_scores is {count} (each "
                      "non-member record gives one score or more, each score is of one)")
    sliced = _sliced_count(payload)
    if sliced is not None and count != sliced:  # (an inflated count within K x N)
        return edited(f"nonmember_scores is {count}, but the class slices of its strongest "
                      f"attack (slices.{one_line(payload['strongest_attack'], limit=40)}."
                      f"class_*.nonmember_scores) sum to {sliced}")
    attacks = payload.get("attacks")
    if count == 0 and isinstance(attacks, Mapping):
        for name, metrics in attacks.items():
            tprs = [k for k, v in metrics.items() if k.startswith("tpr@") and v is not None] if (
                isinstance(metrics, Mapping)) else []  # fmt: skip
            if tprs:
                return edited(f"nonmember_scores is 0, yet attacks.{name}.{tprs[0]} is a "
                              "figure (a TPR needs non-member scores)")
    return None


def _sliced_count(payload: Mapping[str, Any]) -> int | None:
    """The non-member scores of the strongest attack's class slices (``slices.<attack>.
    class_<c>.nonmember_scores``) summed: the run's pooled count, canaries left out of both,
    or ``None`` where the file holds no such slices."""
    slices, name = payload.get("slices"), payload.get("strongest_attack")
    by_slice = slices.get(name) if isinstance(slices, Mapping) and isinstance(name, str) else None
    if not isinstance(by_slice, Mapping):
        return None
    counts = [entry.get("nonmember_scores") for key, entry in by_slice.items()
              if isinstance(key, str) and key.startswith("class_") and isinstance(entry, Mapping)]
    if not counts or not _counts(*counts):
        return None
    return sum(counts)
