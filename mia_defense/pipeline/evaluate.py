"""Stage 4: the attacks on the released outputs, summarised beside utility: `RunResult`,
what a run measured (mia-train, mia-attack and the Python API share `attack_observations`).

The utility figures it reads live in `mia_defense.pipeline.utility`, and the checks that
the attacks' figures can be trusted (inverted or saturated scores, copies, one-kind
targets, the bound held to a DP claim) in `mia_defense.pipeline.trust_checks`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from mia_defense.attacks.base import WHITE_BOX
from mia_defense.attacks.runner import (
    Attack,
    AttackResult,
    EvaluationConfig,
    run_attacks,
    strongest,
    tied_by_settings,
)
from mia_defense.errors import ConfigError, first_few
from mia_defense.metrics.bootstrap import few_draws_note, few_resamples_note
from mia_defense.metrics.epsilon import level_text
from mia_defense.metrics.records import (
    MIN_SLICE_RECORDS,
    record_vulnerability,
    slice_metrics,
)
from mia_defense.metrics.roc import (
    fpr_key,
    fpr_read_at,
    fpr_read_key,
    nonmember_counts,
    top_tied_nonmembers,
)
from mia_defense.observations import Observations
from mia_defense.pipeline.claim import (
    Evidence,
    attack_evidence,
    audit_evidence,
    check_claim,
)
from mia_defense.pipeline.trust_checks import (
    _black_box_leak,
    _canary_evidence,
    _check_inverted_attacks,
    _check_leak_without_utility,
    _check_saturated,
    _copied,
    _copies,
    _copies_untested,
    _evidence_bound,
    _one_kind_targets,
    _one_kind_text,
    _refuse_all_tied,
    _refuse_white_box_alone,
    _warn_tied_bounds,
)
from mia_defense.pipeline.utility import (
    _above_chance,
    _blown_up,
    _models_learned_nothing,
    warn_models_at_chance,
)

__all__ = [
    "RANDOMIZED_RELEASE_REPEATS",
    "RunResult",
    "attack_observations",
    "fpr_key",
    "fpr_read_key",
]


log = logging.getLogger(__name__)

# results.json's ``privacy`` key of how often the attacker asked each query of a randomized
# release (release=noise: attack.queries.repeats), the threat model its figures hold under
RANDOMIZED_RELEASE_REPEATS = "randomized_release_repeats"


@dataclass
class RunResult:
    """What a run measured; written to results.json.

    Attributes:
        utility: mean over models of train/test accuracy and loss, and the gap.
        attacks: name -> {access, auc, tpr@fpr..., advantage, seconds, chosen settings}.
        strongest_attack: the black-box attack (label or released-output access) with the
            highest TPR at the lowest FPR: the run's verdict; ``None`` when none ran.
        defense: the training-time defenses' and release's settings.
        privacy: accountant figures reported by the defenses (e.g. ``epsilon``).
        wall_seconds: the run's wall time.
        timings: seconds per pipeline stage (data, training, observation, attacker's
            models, attacks and bootstrap, scores.npz, tensorboard).
        training: the engine that trained the target models (``stacked`` or ``opacus``)
            and, when they could not train stacked, ``fallback_reason``; stacked, what
            ``stacked_draws`` says of their forward's random draws (``None``: none drawn);
            ``reused``: the models taken from the model store, and ``store``: its directory
            and keys.
        strongest_white_box_attack: the strongest attack that reads the weights, reported
            apart (no release lets weights out); ``None`` when none ran.
        nonmember_scores: how many non-member scores the metrics pool (targets x records
            out of each target's training set, canaries aside): an FPR below 1 / this count
            is not resolved (`unresolved_fprs`).
        nonmember_records: how many distinct records those scores are of (out of some
            target's training set, canaries aside): below 1 / this count an FPR the pooled
            scores reach is one of these few records' (`pooled_only_fprs`).
        epsilon_evidence: the `Evidence` that may refute a DP claim (`check_claim`): the
            attacks' highest bound, corrected for their number.
        num_models: how many models the observations hold (K), for the end-of-run table's
            `models_at_chance_note`; results.json takes its own ``num_models`` from the run's
            facts, not from here. ``None`` where unknown.
        test_size: how many test records the test accuracy rests on, for the end-of-run
            table's near-chance caveat (mia-train's; results.json takes its own from the
            run's facts). ``None`` where unknown.
        judged: [N] bool, the records the attacks' figures pool (canaries aside), for the
            end-of-run table's note on attacks that measured nothing (`measured_nothing`);
            ``None``: all.
        released_labels_only: whether the released outputs the attacks saw let out the
            predicted label alone (`mia_defense.observations.labels_only`: one output per
            predicted label, one-hot or smoothed, measured whatever the release's name: one
            of the user's own, a bare file's outputs);
            results.json's field of that name, which mia-report's caveat on a label release
            attacked without label queries reads.
        tie_causes: name -> (why, fix) of an attack whose own settings tie its top scores
            (`tied_by_settings`: rmia's num_z), for the end-of-run note on tied scores.
    """

    utility: dict[str, float]
    attacks: dict[str, dict[str, Any]]
    strongest_attack: str | None
    defense: dict[str, Any]
    privacy: dict[str, Any]
    wall_seconds: float
    strongest_white_box_attack: str | None = None
    attack_results: dict[str, AttackResult] = field(repr=False, default_factory=dict)
    slices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    most_vulnerable: list[dict[str, Any]] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    nonmember_scores: int | None = None
    nonmember_records: int | None = None
    epsilon_evidence: list[Evidence] = field(default_factory=list, repr=False)
    num_models: int | None = None
    test_size: int | None = None
    judged: np.ndarray | None = field(default=None, repr=False)
    released_labels_only: bool = False
    tie_causes: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def utility_below_chance(self) -> bool:
        """Accuracy not above the majority class's: such a run gets no privacy verdict. The
        test accuracy, or the members' own for observations without a test set (outputs that
        do not predict even their training labels: a model that learned nothing, or labels
        that do not belong to the outputs)."""
        return bool(not _above_chance(self.utility))  # NaN: utility unknown

    def headline(self, fpr: float) -> float:
        """The strongest black-box attack's TPR at ``fpr``: the run's privacy figure (NaN
        when no black-box attack ran)."""
        if self.strongest_attack is None:
            return float("nan")
        return self.attacks[self.strongest_attack][fpr_key(fpr)]


def _attack_summary(
    result: AttackResult, fprs: Sequence[float], members: np.ndarray | None = None,
    regular: np.ndarray | None = None,
) -> dict[str, Any]:
    """Flat figures of one attack: its access, AUC and TPR@FPR each with its CI, the FPR each
    TPR was read at (`fpr_read_key`), advantage, ε bound, each setting it chose on its
    references (mean, min, max over targets), with intervals ``ci_one_class_resamples`` (how
    many bootstrap resamples drew one kind of record and were left out of them:
    `mia_defense.metrics.bootstrap.one_class_note`), and,
    given ``members`` (the [T, N] masks of its targets) and ``regular`` ([N], the records
    that are no canary, as its metrics pool them), ``nonmember_top_ties``
    (`top_tied_nonmembers`)."""
    summary: dict[str, Any] = {"access": result.access, "auc": result.metrics.auc}
    ci = result.intervals
    if ci is not None:
        summary.update({"auc_ci_low": ci.auc[0], "auc_ci_high": ci.auc[1],
                        "ci_one_class_resamples": int(ci.one_class_resamples)})
    for f in fprs:
        summary[fpr_key(f)] = result.metrics.tpr_at_fpr[f]
        if ci is not None:
            summary[f"{fpr_key(f)}_ci_low"], summary[f"{fpr_key(f)}_ci_high"] = ci.tpr_at_fpr[f]
    for f in fprs:
        summary[fpr_read_key(f)] = fpr_read_at(result.metrics.fpr, result.metrics.tpr, f)
    summary["advantage"] = result.metrics.advantage
    summary["empirical_epsilon"] = result.epsilon_lower_bound
    summary["seconds"] = result.seconds
    for key, values in result.chosen.items():
        summary[key] = float(np.mean(values))
        summary[f"{key}_min"], summary[f"{key}_max"] = float(np.min(values)), float(np.max(values))
    if members is not None and regular is not None:
        ties = top_tied_nonmembers(result.scores[:, regular], members[:, regular])
        if ties is not None:
            summary["nonmember_top_ties"] = ties
    return summary


def few_canaries_note(count: int) -> str | None:
    """Why the figures of 1-4 canaries (fewer than `MIN_SLICE_RECORDS`) measure nothing, or
    ``None``: they are those few records' own, not the leak of the most vulnerable ones."""
    if not 0 < count < MIN_SLICE_RECORDS:
        return None
    whose = "that record's" if count == 1 else f"those {count} records'"
    return (
        f"only {count} canar{'y' if count == 1 else 'ies'}: the canaries' AUC and TPRs are "
        f"{whose} own, no measure of how the most vulnerable records leak; use at least "
        f"{MIN_SLICE_RECORDS} (tens: attack.canaries.num, or api.audit's is_canary)"
    )


def _record_views(
    results: Mapping[str, AttackResult],
    obs: Observations,
    *,
    is_canary: np.ndarray,
    population_idx: np.ndarray,
    fprs: Sequence[float],
    strongest_name: str,
    top: int = 10,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, dict[str, float]]], list[dict[str, Any]]]:
    """Per-record vulnerability [N] per attack, per-slice metrics, the most vulnerable records."""
    vulnerability, slices = {}, {}
    regular = ~is_canary
    # the classes of the regular records: a class only canaries carry (a mislabeled or
    # outlier canary's label) has no record to slice, as a class absent from the population
    groups = {f"class_{c}": regular & (obs.labels == c) for c in np.unique(obs.labels[regular])}
    # a class of 1-4 records: its AUC and TPRs would be those records' own (`MIN_SLICE_RECORDS`)
    few = sorted((int(g.sum()), c) for c, g in groups.items() if 0 < g.sum() < MIN_SLICE_RECORDS)
    if few:
        named = first_few(few, 10, each=lambda pair: f"{pair[1]} ({pair[0]} records)", more=True)
        log.info("slices: no AUC or TPR for %s (too_few_records: fewer than %d records)",
                 named, MIN_SLICE_RECORDS)
    few_canaries = few_canaries_note(int(is_canary.sum()))
    if few_canaries:
        log.warning("canaries: %s", few_canaries)
    targets = next(iter(results.values())).targets if results else []
    canaries_in = obs.masks[targets][:, is_canary]  # [targets, canaries]
    if canaries_in.size and (canaries_in.all() or not canaries_in.any()):
        # (a user's file or is_canary: the file check lets canaries be one kind, as the
        # one-run audit draws them; no ROC exists without both kinds)
        log.warning("canaries: every target model %s its %d canaries (is_canary, masks), so no "
                    "canary score is a %s's: their figures (AUC, TPRs) are NaN; hold some "
                    "canaries out of some models (or train some on them) to measure them",
                    "trained on" if canaries_in.all() else "held out", int(is_canary.sum()),
                    "non-member" if canaries_in.all() else "member")  # fmt: skip
    for name, r in results.items():
        truth = obs.masks[r.targets]
        vulnerability[name] = record_vulnerability(r.scores, truth)
        slices[name] = slice_metrics(r.scores, truth, groups, fprs=fprs,
                                     min_records=MIN_SLICE_RECORDS)
        if is_canary.any():  # the user's count of canaries, said beside their figures
            slices[name].update(
                slice_metrics(r.scores, truth, {"canaries": is_canary}, fprs=fprs)
            )
            if few_canaries:
                slices[name]["canaries"]["weak"] = few_canaries
    record_auc = vulnerability[strongest_name]
    # the scores each record's AUC rests on: at 2 targets one IN and one OUT, so every AUC
    # is 0, 0.5 or 1, and the "most vulnerable" ten are coin flips at 1.0
    held = obs.masks[results[strongest_name].targets].astype(bool)
    # a record IN every target or none has no AUC across them (NaN): it is no "most
    # vulnerable" record (at attack.num_targets=1 none has one, and the first ten records
    # were listed, record_auc null, as the most vulnerable)
    order = [int(n) for n in np.argsort(-np.nan_to_num(record_auc, nan=-1.0))
             if np.isfinite(record_auc[n])][:top]  # fmt: skip
    if not order and len(record_auc):
        log.warning(
            "most_vulnerable: no record has an AUC across the targets (attack %s): a record's "
            "AUC compares the targets that trained on it with those that did not, and none is "
            "IN some of the %d target(s) and OUT of others, so results.json lists no most "
            "vulnerable records; use attack.num_targets >= 2 (more give steadier per-record "
            "AUCs)", strongest_name, len(held),
        )
    worst = [
        {
            "record": n,
            "dataset_index": int(population_idx[n]),
            "label": int(obs.labels[n]),
            "canary": bool(is_canary[n]),
            "record_auc": float(record_auc[n]),
            "member_scores": int(held[:, n].sum()),
            "nonmember_scores": int((~held[:, n]).sum()),
        }
        for n in order
    ]
    return vulnerability, slices, worst


def _warn_thin_bootstrap(evaluation: EvaluationConfig) -> None:
    """Say when too few resamples leave a tail of the percentile intervals
    (`few_resamples_note`; the end-of-run table says it again under them)."""
    note = few_resamples_note(evaluation.bootstrap, evaluation.confidence)
    if note:
        log.warning("FEW RESAMPLES: %s", note)


# Seconds per resampled score of the bootstrap (metrics.bootstrap: 68 ms per 200 resamples of
# 16,000 scores on 2 CPU cores), and the estimated bootstrap time that is announced.
_BOOTSTRAP_SECONDS = 2e-8
_SLOW_BOOTSTRAP = 300.0


def _warn_slow_bootstrap(evaluation: EvaluationConfig, *, num_attacks: int,
                         num_scores: int) -> None:
    """Say when the attacks' intervals will take long: attack.bootstrap=100000 on 16 targets
    of 10,000 records would resample for about an hour after training (12 attacks, each
    line coming minutes apart) with no word of why."""
    draws = evaluation.bootstrap * num_scores * num_attacks
    seconds = draws * _BOOTSTRAP_SECONDS
    if seconds > _SLOW_BOOTSTRAP:
        log.warning(
            "attack.bootstrap=%d: the confidence intervals resample the %d scores of each of "
            "the %d attacks that many times (%.2g draws), about %.0f min at the rate of 2 CPU "
            "cores (machine-dependent); each attack logs its line as it finishes. Lower "
            "attack.bootstrap for a faster run (0: no intervals)",
            evaluation.bootstrap, num_scores, num_attacks, draws, seconds / 60,
        )


def attack_observations(
    obs: Observations,
    attacks: Mapping[str, Attack],
    *,
    targets: np.ndarray,
    evaluation: EvaluationConfig,
    is_canary: np.ndarray,
    population_idx: np.ndarray,
    utility: dict[str, float],
    privacy: dict[str, Any],
    defense: dict[str, Any],
    training: dict[str, Any],
    copy_groups: np.ndarray | None = None,
    shadows: Observations | None = None,
) -> tuple[RunResult, dict[str, np.ndarray]]:
    """Run every attack on the targets [T] and summarise them beside the given utility,
    privacy (the accountant's figures, to which the empirical ε bound is added), defense
    and training facts; also the per-record vulnerability [N] of each attack.

    The one attack stage: mia-train calls it after training, mia-attack and
    `mia_defense.api` on observations alone. The bound's δ is the accountant's
    (``privacy["delta"]``) when there is one, else ``evaluation.delta``. A one-run audit's
    bounds in ``privacy["audit"]`` (mia-train's, or the run's that mia-attack carries) are
    held to the claim with the attacks' (`check_claim`, once).
    ``copy_groups``: [N] the position of each record's first exact copy
    (`mia_defense.plan.copy_leaders`; mia-train knows the data, and the plan gives copies
    the same models), ``None`` for none. The bootstrap then draws a group of copies with
    all its records; and each decision on a copy tests its group, whose ε under DP-SGD is up
    to the group's size times the per-record ε, so the attacks' bound cannot refute the
    accountant's (`_copies_untested`).
    ``shadows``: the released outputs of a naive attacker's undefended shadow models
    (attack.shadow_recipe=undefended), held to chance as the targets are
    (`_models_learned_nothing`).
    """
    fprs = sorted(evaluation.fprs)
    evaluation = replace(evaluation, delta=privacy.get("delta") or evaluation.delta)
    _warn_thin_bootstrap(evaluation)
    _warn_slow_bootstrap(evaluation, num_attacks=len(attacks),
                         num_scores=len(targets) * int((~is_canary).sum()))
    population_copies = _copies(copy_groups, ~is_canary)
    if evaluation.bootstrap:  # (one record, or one group of copies: intervals of no width)
        judged = np.asarray(copy_groups)[~is_canary] if population_copies else None
        few = few_draws_note(int((~is_canary).sum()), judged, level_text(evaluation.confidence))
        if few:
            log.warning("%s: %s", "copy_groups" if population_copies else "bootstrap", few)
    attack_results = run_attacks(
        obs, attacks, targets=targets, evaluation=evaluation, records=~is_canary,
        groups=copy_groups if population_copies else None,
    )
    if not attack_results:
        raise ConfigError(
            f"attack.attacks: none of {', '.join(attacks)} could run on these observations "
            "(see the warnings above for what each needs); add an attack that reads the "
            "released outputs, e.g. loss"
        )
    _refuse_white_box_alone(attacks, attack_results)
    _refuse_all_tied(attack_results, utility, records=~is_canary)
    strongest_name = strongest(attack_results, fprs[0], records=~is_canary)
    white_box_name = strongest(attack_results, fprs[0], access=WHITE_BOX, records=~is_canary)
    vulnerability, slices, worst = _record_views(
        attack_results, obs, is_canary=is_canary, population_idx=population_idx,
        fprs=fprs, strongest_name=strongest_name or white_box_name or next(iter(attack_results)),
    )
    best_bound = _evidence_bound(attack_results, ~is_canary)  # (the bound a claim is held to)
    privacy = {**privacy, "empirical_epsilon": attack_results[best_bound].epsilon_lower_bound,
               "empirical_epsilon_delta": evaluation.delta}  # fmt: skip
    _warn_tied_bounds(attack_results, best_bound, ~is_canary)
    truth = obs.masks[targets][:, ~is_canary]
    if truth.all() or not truth.any():
        privacy["no_verdict_reason"] = (
            f"the targets have no {'non-member' if truth.all() else 'member'} among the "
            "records judged: every attack's AUC and TPR are undefined (NaN)"
        )
    evidence = attack_evidence(attack_results[best_bound], truth, evaluation,
                               attacks=len(attack_results))  # fmt: skip
    members_only, nonmembers_only = _one_kind_targets(truth, targets)
    one_kind = None
    if members_only or nonmembers_only:  # a difference between models tests no DP claim
        one_kind = _one_kind_text(members_only, nonmembers_only, len(targets))
        log.warning("ONE KIND OF RECORD PER TARGET: %s", one_kind)
        evidence = []
        if len(members_only) + len(nonmembers_only) == len(targets):
            privacy["no_verdict_reason"] = one_kind
    if population_copies:  # a bound on a group of copies tests no per-record claim
        evidence = []
    if not _copied(copy_groups, is_canary):  # (a canary's copies train with it: a group)
        evidence += _canary_evidence(attack_results, obs.masks[targets][:, is_canary],
                                     is_canary, evaluation)  # fmt: skip
    # the claim is judged once, on every bound: the attacks' alone (at 95% for one) said
    # 'DP CLAIM REFUTED' where the one-run audit's two, sharing the confidence, cleared it
    audit = audit_evidence(privacy, confidence=evaluation.confidence)
    check_claim(privacy, [*evidence, *audit])
    if population_copies and privacy.get("epsilon_untested") and not audit:
        privacy["epsilon_untested"] = _copies_untested(population_copies, privacy["epsilon"])
    elif one_kind and privacy.get("epsilon_untested") and not audit:
        privacy["epsilon_untested"] = one_kind
    _check_leak_without_utility(privacy, utility, attack_results, truth, evaluation,
                                records=~is_canary)  # fmt: skip
    _check_inverted_attacks(privacy, attack_results, truth)
    _check_saturated(privacy, obs, targets, ~is_canary, fpr=fprs[0])
    warn_models_at_chance(utility, obs.num_models)
    blown = _blown_up(utility, privacy, obs.num_classes)
    if blown:  # (a finite loss far above uniform outputs': attacks at chance read as private)
        log.warning("NO PRIVACY VERDICT: %s", blown)
        privacy.setdefault("no_verdict_reason", blown)
    idle = _models_learned_nothing(obs, targets, ~is_canary, utility, shadows)
    if idle and "no_verdict_reason" not in privacy and not _black_box_leak(
            attack_results, truth, evaluation, records=~is_canary):  # (a memoriser leaks)
        log.warning("NO PRIVACY VERDICT: %s", idle)
        privacy["no_verdict_reason"] = idle
    # (null where the attacks judged: written always, so mia-report reads a missing one as
    # deleted, where it went without a word and the run was ranked)
    privacy.setdefault("no_verdict_reason", None)
    privacy.setdefault("outputs_saturated", None)  # (measured: mia-report names it missing)
    nonmember_scores, nonmember_records = nonmember_counts(obs.masks[targets][:, ~is_canary])
    result = RunResult(
        utility=utility,
        attacks={name: _attack_summary(r, fprs, obs.masks[r.targets], ~is_canary)
                 for name, r in attack_results.items()},
        strongest_attack=strongest_name,
        strongest_white_box_attack=white_box_name,
        defense=defense,
        privacy=privacy,
        wall_seconds=0.0,
        attack_results=attack_results,
        slices=slices,
        most_vulnerable=worst,
        training=dict(training),
        nonmember_scores=nonmember_scores,
        nonmember_records=nonmember_records,
        epsilon_evidence=evidence,
        num_models=obs.num_models,
        judged=~is_canary,
        released_labels_only=obs.released_labels_only,
        tie_causes={name: cause for name in attack_results if (cause := tied_by_settings(
            name, attacks[name], obs.log_probs.shape[1])) is not None},
    )
    return result, vulnerability
