"""The checks that a run's attack figures can be trusted, each a refusal, a warning or a
``privacy`` entry saying why a verdict or an ε bound does not hold: attacks that measured
nothing or only white-box ones (`_refuse_all_tied`, `_refuse_white_box_alone`), a leak at
chance utility (`_check_leak_without_utility`), inverted scores (`inverted_attacks`),
saturated outputs (`_check_saturated`), exact copies among the records (`_copies`),
the bound held to a DP claim and the ties it leaves out (`_evidence_bound`,
`_warn_tied_bounds`), the canaries' own bound (`_canary_evidence`) and targets with one
kind of record (`_one_kind_targets`).

Split out of `mia_defense.pipeline.evaluate`, whose `attack_observations` runs them after
the attacks, so that module keeps to running and summarising the attacks; mia-report's
folder checks read `inverted_attacks` from here."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from mia_defense.attacks.base import BLACK_BOX, WHITE_BOX, access_of
from mia_defense.attacks.runner import (
    Attack,
    AttackResult,
    EvaluationConfig,
    measured_nothing,
)
from mia_defense.attacks.signals import per_model, true_class_log_prob
from mia_defense.errors import ConfigError, first_few
from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.roc import roc_metrics
from mia_defense.observations import Observations
from mia_defense.pipeline.claim import Evidence, attack_evidence, highest_bound
from mia_defense.pipeline.utility import _above_chance, judged_accuracy

__all__ = ["inverted_attacks"]


log = logging.getLogger("mia_defense.pipeline.evaluate")  # (its lines read as the attack stage's)


def _refuse_all_tied(
    results: Mapping[str, AttackResult], utility: Mapping[str, Any], *, records: np.ndarray
) -> None:
    """A `ConfigError` when every black-box attack gave each target's records one score
    (`measured_nothing`) in a run that would get a verdict: none measured anything, and their
    AUC 0.5 [0.5, 0.5] and TPR 0 made the verdict 'no leak' (a leaky run with LiRA online
    alone at K=2, or an attack of a user's returning a constant). A run at chance utility
    (a release that answers every query alike: release.temperature=1e30) gets no verdict
    anyway and finishes saying so."""
    if "chance_accuracy" in utility and not _above_chance(utility):
        return
    black_box = [name for name, r in results.items() if r.access in BLACK_BOX]
    if black_box and all(measured_nothing(results[name], records) for name in black_box):
        raise ConfigError(
            f"attack.attacks: every black-box attack ({', '.join(black_box)}) gave every "
            "record the same score, which measures no leak (see the warnings above), so the "
            "run has no privacy verdict; add an attack that reads the released outputs, "
            "e.g. loss"
        )


def _refuse_white_box_alone(
    attacks: Mapping[str, Attack], results: Mapping[str, AttackResult]
) -> None:
    """A `ConfigError` when only white-box attacks ran: every black-box one was skipped
    (its observations missing, or NaN scores). `check_attacks` refuses such a set before
    training; skipped at run time (lira_online_augmented at attack.queries.num_augmented=0
    beside gradient_norm), the run was recorded complete without a verdict, and mia-train
    then exited 2 on its objective ('no attack reports tpr@0.1%fpr; choose ... one of ')."""
    if not results or any(r.access in BLACK_BOX for r in results.values()):
        return
    skipped = [name for name, attack in attacks.items()
               if name not in results and access_of(attack) in BLACK_BOX]  # fmt: skip
    raise ConfigError(
        f"attack.attacks: none of the black-box attacks ({', '.join(skipped)}) could run on "
        "these observations (see the warnings above for what each needs), and the white-box "
        f"ones that ran ({', '.join(results)}) read the models' weights, which never decide "
        "the verdict; add an attack that reads the released outputs, e.g. loss"
    )


def _check_leak_without_utility(
    privacy: dict[str, Any],
    utility: Mapping[str, Any],
    results: Mapping[str, AttackResult],
    truth: np.ndarray,
    evaluation: EvaluationConfig,
    *,
    records: np.ndarray | None = None,
) -> None:
    """A run at or below chance utility gets no privacy verdict: a low attack success says
    nothing about it. A high one still does: the attacks' ε lower bound holds whatever the
    utility (a model that memorised random labels is the worst leak of all). When the best
    black-box bound, at the run's confidence over all its attacks at once, is above 0, set
    ``leak_without_utility`` with the reason and warn, so the leak is not read as a
    non-result. Attacks that gave each target's ``records`` ([N] bool judged, ``None``: all)
    one score (`measured_nothing`) rank models, not members, and show no leak (targets trained
    on 90% and 10% of the records, scored by that share: 'not private, ε >= 2.04' beside
    empirical_epsilon 0)."""
    if "chance_accuracy" not in utility:
        return
    what, accuracy = judged_accuracy(utility)
    if _above_chance(utility):
        return
    leak = _black_box_leak(results, truth, evaluation, records=records)
    if leak is None:
        return
    bound, source = leak
    privacy["leak_without_utility"] = True
    learned = ("the test set holds one class, so no model can beat chance on it (raise "
               "plan.test_size to measure the utility)" if utility["chance_accuracy"] >= 1
               else "the model memorised its members without learning the task")  # fmt: skip
    privacy["leak_without_utility_reason"] = (
        f"{what} accuracy {accuracy:.3f} is not above chance {utility['chance_accuracy']:.3f}, "
        f"yet membership leaks: measured ε >= {bound:.3g} ({source}; a lower bound that "
        f"holds whatever the utility); {learned}: not private"
    )
    log.warning("MEMBERSHIP LEAK at chance utility: %s", privacy["leak_without_utility_reason"])


def _black_box_leak(
    results: Mapping[str, AttackResult],
    truth: np.ndarray,
    evaluation: EvaluationConfig,
    *,
    records: np.ndarray | None = None,
) -> tuple[float, str] | None:
    """(bound, what it rests on) of the best black-box attack's ε lower bound, at the run's
    confidence over all its attacks at once, where it is above 0: membership leaks whatever
    the models' utility; ``None`` otherwise. Attacks that gave each target's ``records`` one
    score (`measured_nothing`) are left out (`_check_leak_without_utility`)."""
    black_box = {name: r for name, r in results.items() if r.access in BLACK_BOX
                 and not measured_nothing(r, records)}  # fmt: skip
    if not black_box:
        return None
    name = highest_bound({n: r.epsilon_lower_bound for n, r in black_box.items()})
    found = attack_evidence(black_box[name], truth, evaluation, attacks=len(results))
    if not found or found[0].bound <= 0:
        return None
    return found[0].bound, found[0].what


# Standard errors below 0.5 (under no signal) an attack's AUC must lie to be called inverted.
_INVERTED_Z = 3.0


def inverted_attacks(
    results: Mapping[str, AttackResult],
    truth: np.ndarray,
    *,
    access: Sequence[str] = BLACK_BOX,
) -> list[tuple[str, float, float]]:
    """The black-box attacks whose scores rank members below non-members, by more than the
    black-box attacks rank them above: ``(name, auc, z)``, where ``z`` is how many standard
    errors (Mann-Whitney's, of the pooled scores under no signal) the AUC lies below 0.5.
    An attack is inverted when its AUC is ``_INVERTED_Z`` such errors below 0.5, its bootstrap
    interval (if any) lies below 0.5, and its flipped AUC, 1 - AUC, beats every black-box
    attack's by more than one such error (the packaged entropy attack on models trained one
    epoch, 0.421 beside loss's 0.575 and modified_entropy_class's 0.586, is not: the verdict
    already holds that leak): a score of the wrong sign (an attack of one's own returning the
    loss, not its negation, gave AUC 0.436 [0.398, 0.479], TPR 0.0025 at 0.1% FPR, read as no
    leak), whose TPRs and ε bound understate a leak its flipped scores show.

    ``access``: the attacks checked, the black-box ones (the verdict's) by default;
    ``WHITE_BOX`` checks the attacks that read the weights, against every attack (whoever
    holds the weights can run the black-box ones too): an attack of one's own on the
    gradients with the wrong sign gave AUC 0.257 beside loss's 0.533, and the run read
    "strongest white-box attack ... TPR 0.0000" and an ε bound of 0.03, without a word."""
    truth = np.asarray(truth, dtype=bool)
    members, others = int(truth.sum()), int((~truth).sum())
    checked = {n: r for n, r in results.items() if r.access in access}
    rivals = {n: r for n, r in results.items() if r.access in (*access, *BLACK_BOX)}
    if not members or not others or not checked:
        return []
    error = math.sqrt((members + others + 1) / (12.0 * members * others))
    best = max(float(np.nan_to_num(r.metrics.auc, nan=0.5)) for r in rivals.values())
    found = []
    for name, result in checked.items():
        auc = float(result.metrics.auc)
        if not math.isfinite(auc):
            continue
        z = (0.5 - auc) / error
        high = result.intervals.auc[1] if result.intervals is not None else math.nan
        if z > _INVERTED_Z and not high >= 0.5 and 1.0 - auc > best + error:
            found.append((name, auc, z))
    return found


def _check_inverted_attacks(
    privacy: dict[str, Any], results: Mapping[str, AttackResult], truth: np.ndarray
) -> None:
    """Set ``privacy["attacks_inverted"]`` with the reason, and warn, when a black-box
    attack's scores are inverted (`inverted_attacks`): the verdict, read from the attacks'
    TPRs, would call a leak that only shows with the scores' sign flipped 'no leak'. A
    white-box attack's, apart (``privacy["white_box_attacks_inverted"]``, warned `INVERTED
    WHITE-BOX ATTACK SCORES`): the white-box figures and the ε bound understate the leak to
    whoever holds the weights; the black-box verdict stands."""
    found = inverted_attacks(results, truth)
    if found:
        privacy["attacks_inverted"] = (
            f"{_inverted_text(found)}: these scores rank members below non-members (higher "
            "must mean member), more strongly than any attack ranks them above; membership "
            "leaks, and the TPRs and ε bound understate it: negate the scores of an attack of "
            "your own (or check the masks) and rerun; a built-in attack's signal runs against "
            "these models' outputs"
        )
        log.warning("INVERTED ATTACK SCORES: %s", privacy["attacks_inverted"])
    white_box = inverted_attacks(results, truth, access=WHITE_BOX)
    if white_box:
        privacy["white_box_attacks_inverted"] = (
            f"{_inverted_text(white_box)}: these white-box scores rank members below "
            "non-members (higher must mean member), more strongly than any attack ranks them "
            "above; membership leaks to whoever holds the weights, and the white-box TPRs "
            "(strongest_white_box_attack) and the ε bound (empirical_epsilon) understate it: "
            "negate the scores of an attack of your own (or check the masks) and rerun; a "
            "built-in attack's signal runs against these models' gradients"
        )
        log.warning("INVERTED WHITE-BOX ATTACK SCORES: %s", privacy["white_box_attacks_inverted"])


# The share of the non-members' answers tied at the top above which `_check_saturated`
# says so: past half of them, no threshold on a signal of the probabilities resolves an FPR
# below 50% (every TPR column is read where the tie starts) and the AUC ranks the other half
# alone. An overfit MLP on digits (200-300 epochs) answers probability 1.0 in float32 to
# 30-60% of the records, but the other classes' mass still ranks them (`true_class_log_prob`):
# 0% here; features used unscaled (an npz up to 5e4, dataset.standardize=false): 68% of the
# non-members'.
_SATURATED_SHARE = 0.5
# Under that share, how much more of the members' answers than of the non-members' the tie
# must hold for `_check_saturated` to say so, where it spans the lowest FPR the TPRs are read
# at: no threshold below the tie's FPR reaches into it, so those TPRs miss the members it
# holds over the non-members, at least this share of them (a 10-class npz up to 5e4, 100
# epochs: 99.7% of the members' answers tied, 46% of the non-members', every TPR of loss,
# confidence and RMIA 0 at AUC 0.77-0.80, the run first on its Pareto front).
_SATURATED_GAP = 0.1


def _check_saturated(
    privacy: dict[str, Any], obs: Observations, targets: np.ndarray, records: np.ndarray,
    *, fpr: float,
) -> None:
    """Set ``privacy["outputs_saturated"]`` with the reason, and warn, when the targets'
    answers to ``records`` [N] that give the true class probability 1 with nothing left to
    the other classes, not even float rounding (`true_class_log_prob` exactly 0, as the
    loss, confidence and RMIA attacks read it), are most of the non-members' answers, or
    span the lowest FPR the TPRs are read at (``fpr``) and hold more of the members' answers
    than of the non-members' by over `_SATURATED_GAP`: the attacks tie on them and may
    understate the leak (the likely cause: features used unscaled). Only answers that let
    out every class count (none ``-inf``): a release that rounds, keeps the top k or the
    label alone ties them by design. O(T N) where the answers of 1.0 in float32 rule both
    out (the default run's), else O(T N C), on arrays in memory."""
    masks = obs.masks[targets][:, records]
    if masks.all():
        return
    rows = np.arange(len(obs.labels))
    ones = per_model(lambda log_p, y: log_p[..., rows, y] == 0, obs.log_probs, obs.labels, targets)
    ones = ones[:, records]
    # (O(T N): most runs stop here; the tied answers are some of these)
    if not _tie_hides(ones[masks].mean() if masks.any() else 0.0, ones[~masks].mean(),
                      fpr, most=True):  # fmt: skip
        return

    def tied_answers(log_p: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return (true_class_log_prob(log_p, labels) == 0) & np.isfinite(log_p).all(axis=-1)

    tied = per_model(tied_answers, obs.log_probs, obs.labels, targets)[:, records]
    members, nonmembers = (tied[masks].mean() if masks.any() else 0.0), tied[~masks].mean()
    if not _tie_hides(members, nonmembers, fpr):
        return
    shares = f"{members:.0%} of the members', " if masks.any() else ""
    how = (
        "tie on them and may understate the leak" if nonmembers > _SATURATED_SHARE else
        f"tie on them, and their TPRs at an FPR below {nonmembers:.0%}, read outside the "
        "tie, miss the members it holds over the non-members: they understate the leak"
    )
    privacy["outputs_saturated"] = (
        f"{tied.mean():.0%} of the released answers ({shares}{nonmembers:.0%} of the "
        "non-members') are probability 1.0 for the true class in float32, the other "
        f"classes' too small to tell them apart: the attacks on probabilities (loss, "
        f"confidence, entropy, RMIA) {how}; where the features are used unscaled (the likely "
        "cause), standardise them (dataset.standardize=true, or in your loader)"
    )
    log.warning("SATURATED OUTPUTS: %s", privacy["outputs_saturated"])


def _tie_hides(members: float, nonmembers: float, fpr: float, *, most: bool = False) -> bool:
    """Whether answers tied at the top, ``members`` and ``nonmembers`` of each kind's
    (shares), hide a leak from the attacks (`_check_saturated`): most of the non-members',
    or spanning ``fpr`` and more of the members' than of the non-members' by over
    `_SATURATED_GAP`. ``most``: the shares are of a superset of the tied answers (the
    answers of 1.0 in float32), of which the tied may be any part: whether they may."""
    if nonmembers > _SATURATED_SHARE:
        return True
    return nonmembers > fpr and members - (fpr if most else nonmembers) > _SATURATED_GAP


def _inverted_text(found: Sequence[tuple[str, float, float]]) -> str:
    """Each inverted attack (`inverted_attacks`) with its AUC, z and flipped AUC."""
    return "; ".join(
        f"{name} AUC {auc:.3f} ({z:.1f} standard errors below 0.5; flipped: {1 - auc:.3f})"
        for name, auc, z in found
    )


def _copies(groups: np.ndarray | None, judged: np.ndarray) -> int:
    """How many of the ``judged`` records ([N] bool) share their group ([N] labels) with
    another judged one: the exact copies among them; 0 without groups."""
    if groups is None:
        return 0
    labels = np.asarray(groups)[judged]
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return int((counts[inverse] > 1).sum())


def _copied(groups: np.ndarray | None, records: np.ndarray) -> bool:
    """Whether one of the ``records`` ([N] bool) shares its group ([N] labels) with any other
    record (an exact copy that trains the same models); false without groups."""
    if groups is None:
        return False
    _, inverse, counts = np.unique(np.asarray(groups), return_inverse=True, return_counts=True)
    return bool((counts[inverse] > 1)[np.asarray(records, dtype=bool)].any())


def _copies_untested(copies: int, claimed: float) -> str:
    """Why the attacks' bound did not test the accountant's ε of a run whose population
    holds exact copies (`attack_observations`)."""
    return (
        f"{copies} of the records judged have an exact copy among them, and copies train the "
        "same models: an attack's decision on one is a decision on its group of copies, whose "
        f"ε under DP-SGD is up to the group's size times the per-record ε {claimed:.3g}, so the "
        "attacks' bound (empirical_epsilon) was not held to the accountant's ε; deduplicate "
        "the data, or test the claim with a one-run audit (attack.audit=one_run)"
    )


def _evidence_bound(results: Mapping[str, AttackResult], records: np.ndarray) -> str:
    """The attack whose ε bound is ``privacy.empirical_epsilon`` and is held to a DP claim:
    the highest bound of those that measured something (`measured_nothing`: one score per target
    ranks whole targets, a difference between models; such an attack, warned to 'never
    decide the verdict', refuted a claim with ε >= 2.04), or of all where none did, as
    `strongest` picks the verdict's attack. (empirical_epsilon was the largest bound of all,
    so it stood above an accountant's ε 0.5 that the claim check, rightly, left standing.)"""
    measured = {name: r.epsilon_lower_bound for name, r in results.items()
                if not measured_nothing(r, records)}  # fmt: skip
    return highest_bound(measured or {n: r.epsilon_lower_bound for n, r in results.items()})


def _warn_tied_bounds(results: Mapping[str, AttackResult], best: str, records: np.ndarray) -> None:
    """Say why ``privacy.empirical_epsilon`` (``best``'s bound, `_evidence_bound`) is below
    the ε bound an attack that gave each target's records one score shows in its row."""
    reported = np.nan_to_num(results[best].epsilon_lower_bound, nan=-1.0)
    above = {name: r.epsilon_lower_bound for name, r in results.items()
             if r.epsilon_lower_bound > reported and measured_nothing(r, records)}
    if above:
        named = ", ".join(f"{name} {bound:.3g}" for name, bound in above.items())
        log.warning(
            "empirical_epsilon %.3g (attack %s) leaves out higher ε bounds of attacks that "
            "gave each target's records one score (%s): they rank whole target models against "
            "one another, a difference between models, not membership, so they bound no ε of "
            "a record and are held to no DP claim", results[best].epsilon_lower_bound, best,
            named,
        )


def _canary_evidence(
    results: Mapping[str, AttackResult],
    truth: np.ndarray,
    is_canary: np.ndarray,
    evaluation: EvaluationConfig,
) -> list[Evidence]:
    """The attacks' highest ε bound on the canaries alone ([T, m] membership ``truth`` of
    the [N] ``is_canary`` records), held to a DP claim beside the other records' bound: a
    DP claim is per record, canaries included, and they are the records a broken mechanism
    leaks most (every canary separated on every target left ``epsilon_refuted`` false at a
    claimed ε 0.1, as the pooled figures leave canaries out). Each canary joins its models
    independently of every other record (none shares its masks as copies do); attacks tied
    on the canaries and targets with one kind of canary are left out, as for the others."""
    truth = np.asarray(truth, dtype=bool)
    if not truth.any() or truth.all() or any(_one_kind_targets(truth, np.arange(len(truth)))):
        return []
    found: dict[str, AttackResult] = {}
    for name, result in results.items():
        if measured_nothing(result, is_canary):
            continue
        scores = result.scores[:, is_canary]
        metrics = roc_metrics(scores, truth, fprs=evaluation.fprs)
        bound = empirical_epsilon(
            metrics.fpr, metrics.tpr, num_members=int(truth.sum()),
            num_nonmembers=int((~truth).sum()), delta=evaluation.delta,
            confidence=evaluation.confidence,
        )  # fmt: skip
        found[name] = replace(result, metrics=metrics, epsilon_lower_bound=bound)
    if not found:
        return []
    best = found[highest_bound({n: r.epsilon_lower_bound for n, r in found.items()})]
    return attack_evidence(best, truth, evaluation, attacks=len(results), records="the canaries")


def _one_kind_targets(truth: np.ndarray, targets: np.ndarray) -> tuple[list[int], list[int]]:
    """(targets with members only, targets with non-members only) among the records judged
    ([T, N] membership ``truth`` of the [T] ``targets``), where the pool holds both kinds
    (else no ROC exists at all, said elsewhere); ``([], [])`` where every target has both."""
    truth = np.asarray(truth, dtype=bool)
    if truth.all() or not truth.any():
        return [], []
    given = np.asarray(targets)
    return (given[truth.all(axis=1)].tolist(), given[~truth.any(axis=1)].tolist())


def _one_kind_text(members_only: list[int], nonmembers_only: list[int], targets: int) -> str:
    """What the pooled figures take from targets whose judged records are of one kind
    (`_one_kind_targets`), and what to do."""
    named = "; ".join(f"{what} {_models_text(found)}" for what, found in (
        ("members only: model", members_only), ("non-members only: model", nonmembers_only))
        if found)  # fmt: skip
    every = len(members_only) + len(nonmembers_only) == targets
    scope = ("no target has both, so every figure compares models: no privacy verdict, and "
             "no ε bound of the attacks tests a DP claim" if every else
             "their part of the figures may show a leak that is no membership, and the "
             "attacks' ε bound is not held to a DP claim")
    return (
        f"target models with one kind of record among those judged ({named}): the pooled ROC "
        "compares their scores only with other targets' scores, so what it takes from them is "
        "a difference between models (one trained on more of these records, say), not "
        f"membership; {scope}. Give masks in which each target trained on some of the judged "
        "records and not on others (about half: api.make_plan), or attack only targets that "
        "did (attack.num_targets attacks the first models)"
    )


def _models_text(models: list[int]) -> str:
    return first_few(models, 8, more=True)
