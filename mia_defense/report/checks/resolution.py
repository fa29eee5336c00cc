"""The caveat on a ranked run whose TPR at a low FPR its scores do not resolve
(`resolution_note`): fewer non-member scores or distinct records than 1/FPR, tied top
scores, a TPR read far below its FPR, or no count recorded to tell. `notes.caveats` gives it
with the others (and re-exports `resolution_note`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from mia_defense.attacks.rmia import few_z_ties
from mia_defense.metrics.roc import (
    pooled_only_fprs,
    pooled_only_text,
    read_far_below,
    tied_fprs,
    unresolved_fprs,
)
from mia_defense.report.checks._values import _counts, strongest_attack
from mia_defense.report.checks.attack_results import _sliced_count
from mia_defense.report.checks.provenance import _canaries
from mia_defense.report.objectives import DEFAULT_OBJECTIVE

__all__ = ["resolution_note"]


def resolution_note(payload: Mapping[str, Any], *, leakage: str = DEFAULT_OBJECTIVE) -> str | None:
    """A caveat on a ranked run whose ``leakage`` TPR sits at an FPR below 1 / (its
    non-member scores), or ``None``: no threshold there lets a non-member through, so the
    figure is the TPR at FPR 0 of this sample, noisy and near an FPR of 1 / count on fresh
    data, not a measurement at the FPR named (`unresolved_fprs`). A run without the count
    (deleted, or written before runs recorded it) is judged by what else it records
    (`_uncounted_note`): the caveat once went with the field."""
    match = re.fullmatch(r"tpr@([0-9.]+)%fpr", leakage.partition(".")[2])
    if match is None:
        return None
    count, fpr = payload.get("nonmember_scores"), float(match.group(1)) / 100
    if count is None:
        return _uncounted_note(payload, match, fpr)
    if not count:  # 0: no TPR at all (all NaN)
        return None
    if not unresolved_fprs(count, [fpr]):
        # (ties first: there the figure is the TPR at FPR 0, the stronger caveat)
        return (_tied_note(payload, match, fpr) or _read_below_note(payload, match, fpr)
                or _pooled_note(payload, match, fpr))  # fmt: skip
    return _unresolved_text(match, fpr, count)


def _pooled_note(payload: Mapping[str, Any], match: re.Match[str], fpr: float) -> str | None:
    """`resolution_note` of a run with enough non-member scores but fewer distinct
    non-member records (results.json's ``nonmember_records``; where a run of an earlier
    version records none, at most its ``population_size``) than 1 / ``fpr``
    (`pooled_only_fprs`), or ``None``: one record's scores over the targets can make up the
    whole FPR."""
    count, records = payload.get("nonmember_scores"), payload.get("nonmember_records")
    at_most = records is None
    if at_most:
        records = payload.get("population_size")
    if not (_counts(count, records) and 0 < records):
        return None
    if not pooled_only_fprs(min(records, count), count, [fpr]):
        return None
    text = pooled_only_text(count, records, [fpr], population=_judged_records(payload),
                            at_most=at_most)
    return f"its {match.group(0)}: the {text}"


def _judged_records(payload: Mapping[str, Any]) -> int | None:
    """How many population records the run's attacks judge: ``population_size`` less the
    canaries appended to it, the one-run audit's too (`_canaries`), as the run's own warning
    counts them for `more_records_advice`; ``None`` where results.json does not say."""
    population, canaries = payload.get("population_size"), _canaries(payload)[0]
    if not _counts(population) or canaries > population:
        return None
    return population - canaries


def _tied_note(payload: Mapping[str, Any], match: re.Match[str], fpr: float) -> str | None:
    """`resolution_note` of a run with enough non-member scores whose strongest attack gave
    more than ``fpr`` of them its highest non-member score (results.json's
    ``attacks.<name>.nonmember_top_ties``), or ``None``: no threshold reaches an FPR between
    0 and that share, so its TPR at ``fpr`` is the TPR at FPR 0 (release=label_only at
    plan.num_models=4 on digits: 11 of 2,000 tied, TPR@0.1%FPR 0.0000 [0.0000, 0.0000] and
    alone on the Pareto front, where the full release measured 0.006)."""
    name, attack = strongest_attack(payload)
    count = payload.get("nonmember_scores")
    ties = attack.get("nonmember_top_ties") if attack is not None else None
    if not (_counts(ties, count) and 0 < ties <= count) or not tied_fprs(ties, count, [fpr]):
        return None
    own = _tied_by_settings(payload, name)
    cause, fix = own or ("coarse released outputs, label-only or rounded, give few distinct "
                         "scores", "a larger plan.num_models or plan.population_size")
    return (
        f"its {match.group(0)} rests on tied scores: {ties} of its {count} non-member scores "
        f"share {name}'s highest one (an FPR of {100 * ties / count:.2g}%), so no threshold "
        f"reaches an FPR between 0 and that: it is the TPR at FPR 0 of these scores, not a "
        f"figure at {match.group(1)}% ({cause}); compare it at a higher FPR, or rerun it with "
        f"{fix}"
    )


# What a run's config names mia-defense's rmia by (``_target_``).
_RMIA_TARGETS = ("mia_defense.attacks.rmia", "mia_defense.attacks.rmia.rmia")


def _tied_by_settings(payload: Mapping[str, Any], name: Any) -> tuple[str, str] | None:
    """`mia_defense.attacks.rmia.few_z_ties` of the run's attack ``name`` where its config
    (``config.attack.attacks.<name>``) is mia-defense's rmia, or ``None``: the cause of
    its tied top scores that its settings show, as mia-train's end-of-run note names it."""
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    nodes = attack.get("attacks") if isinstance(attack, Mapping) else None
    node = nodes.get(name) if isinstance(nodes, Mapping) and isinstance(name, str) else None
    if not isinstance(node, Mapping) or node.get("_target_") not in _RMIA_TARGETS:
        return None
    return few_z_ties(name, node.get("num_z"), payload.get("population_size"))


def _read_below_note(payload: Mapping[str, Any], match: re.Match[str], fpr: float) -> str | None:
    """`resolution_note` of a run whose strongest attack read its TPR at ``fpr`` at an FPR
    below half of it (results.json's ``attacks.<name>.fpr_read@...``, `read_far_below`): a
    run of tied scores spans ``fpr``, so the figure is the TPR where that run starts, not one
    at ``fpr``; ``None`` otherwise, or where the run records no such FPR (older runs). Where
    the attack's own setting ties its scores (`_tied_by_settings`: rmia's num_z), it names
    that setting and its fix, as `_tied_note` does (rmia strongest at num_z=200 of 1200
    samples: read at 0.042% for 0.1%, the note said only 'compare it at another FPR')."""
    name, attack = strongest_attack(payload)
    count = payload.get("nonmember_scores")
    if attack is None or not (_counts(count) and count > 0):
        return None
    key = f"fpr_read@{match.group(1)}%fpr"
    found = read_far_below({fpr: attack.get(key)}, count, [fpr])
    if not found:
        return None
    own = _tied_by_settings(payload, name)
    settings = f", or rerun it with {own[1]} ({own[0]})" if own else ""
    return (
        f"its {match.group(0)} is read at FPR {100 * found[0][1]:.2g}% (attacks.{name}.{key}): "
        f"tied scores of {name} span {match.group(1)}%, so it is the TPR where they start, not "
        f"a figure at {match.group(1)}%; compare it at another FPR{settings}"
    )


def _unresolved_text(match: re.Match[str], fpr: float, count: int, said: str = "") -> str:
    return (
        f"its {match.group(0)} rests on {said}{count} non-member scores, fewer than 1/FPR = "
        f"{math.ceil(1 / fpr)}: it is the TPR at FPR 0 of these scores (about FPR "
        f"{100 / count:.2g}% on fresh data), not a figure at {match.group(1)}%; rerun it with "
        "a larger plan.population_size or attack.num_targets to compare it at that FPR"
    )


def _uncounted_note(payload: Mapping[str, Any], match: re.Match[str], fpr: float) -> str | None:
    """`resolution_note` of a run that records no ``nonmember_scores``: its strongest
    attack's class slices count them (`_sliced_count`); else its models' scores of its
    records (``num_models`` x ``population_size``) bound them from above, below 1/FPR a
    caveat as sure; else a caveat that the TPR's resolution cannot be checked."""
    sliced = _sliced_count(payload)
    if sliced is not None:
        if not sliced or not unresolved_fprs(sliced, [fpr]):
            return None
        return _unresolved_text(match, fpr, sliced, "its class slices' ")
    models, records = payload.get("num_models"), payload.get("population_size")
    if _counts(models, records) and 0 < models * records and unresolved_fprs(
            models * records, [fpr]):  # fmt: skip
        return _unresolved_text(match, fpr, models * records, "at most ")
    return (
        f"results.json records no nonmember_scores (deleted, or written before runs recorded "
        f"it): whether its {match.group(0)} rests on the {math.ceil(1 / fpr)} non-member "
        "scores an FPR that low needs cannot be checked, and with fewer it is the TPR at FPR 0 "
        "of its scores; rerun it to know"
    )
