"""Stage 4: the attacks on the released outputs, summarised beside utility: `RunResult`,
what a run measured (mia-train, mia-attack and the Python API share `attack_observations`)."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from mia_defense.attacks.base import BLACK_BOX, WHITE_BOX, access_of
from mia_defense.attacks.runner import (
    Attack,
    AttackResult,
    EvaluationConfig,
    measured_nothing,
    run_attacks,
    strongest,
    tied_by_settings,
)
from mia_defense.attacks.signals import per_model, true_class_log_prob
from mia_defense.errors import ConfigError, first_few
from mia_defense.metrics.bootstrap import few_draws_note, few_resamples_note
from mia_defense.metrics.epsilon import empirical_epsilon, level_text
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
    roc_metrics,
    top_tied_nonmembers,
)
from mia_defense.metrics.utility import (
    blown_up_loss,
    release_took_accuracy,
    some_models_at_chance,
)
from mia_defense.observations import Observations
from mia_defense.pipeline.claim import (
    Evidence,
    attack_evidence,
    audit_evidence,
    check_claim,
    highest_bound,
)

if TYPE_CHECKING:
    from mia_defense.training.loop import Ensemble

__all__ = [
    "RANDOMIZED_RELEASE_REPEATS",
    "RunResult",
    "attack_observations",
    "fpr_key",
    "fpr_read_key",
    "judged_accuracy",
    "released_accuracy",
    "utility_figures",
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


def _above_chance(utility: Mapping[str, Any]) -> bool:
    """Whether the judged accuracy beats the majority class: on the test set, or, without
    one, on the members (where a constant answer scores the majority share of each model's
    own members, above the population's when the masks favour a class)."""
    what, accuracy = judged_accuracy(utility)
    chance = float(utility["chance_accuracy"])
    if what == "member":
        chance = max(chance, float(utility.get("members_chance_accuracy", chance)))
    return bool(accuracy > chance)


def judged_accuracy(utility: Mapping[str, Any]) -> tuple[str, float]:
    """The accuracy held against chance: ``("test", ...)``, or ``("member", ...)`` when
    there is no test set. ``("median model's test", ...)`` when the mean beats chance but
    the median model does not: most targets learned nothing (train.lr too high: 6 of 8 at
    chance, one at 0.2, a mean of 0.124 against 0.112), so the pooled attacks' low success
    says nothing about privacy."""
    test = utility.get("test_accuracy")
    if test is None or math.isnan(test):
        return "member", float(utility["train_accuracy"])
    median, chance = utility.get("test_accuracy_median"), utility.get("chance_accuracy")
    if isinstance(median, int | float) and isinstance(chance, int | float):
        if float(test) > float(chance) and not float(median) > float(chance):
            return "median model's test", float(median)
    return "test", float(test)


def released_accuracy(
    obs: Observations, log_probs_test: np.ndarray | None, y_test: np.ndarray | None
) -> dict[str, float]:
    """Accuracy on the released outputs: members vs held-out test set, averaged over models;
    ``chance_accuracy`` is what always answering the majority class scores, on the test set
    (on the population without one; the test figures are then NaN), and
    ``members_chance_accuracy`` the same on each model's own members, averaged;
    ``test_accuracy_median`` the median model's test accuracy (`judged_accuracy`);
    ``test_accuracy_models_at_chance`` (with a test set) how many models' test accuracy is not
    above chance (`warn_models_at_chance`)."""
    train_hits = [  # a model without members (a mask of a user's) has no member accuracy
        Fraction(int((obs.log_probs[k, obs.masks[k]].argmax(-1)
                      == obs.labels[obs.masks[k]]).sum()), int(obs.masks[k].sum()))
        for k in range(obs.num_models) if obs.masks[k].any()
    ]  # fmt: skip
    # Means of the exact fractions, as the members' chance below: float means of models right
    # on 16 and 18 of 150 members (majority 17) put the accuracy one ulp above chance
    train_mean = _exact_mean(train_hits)
    if log_probs_test is None or y_test is None or not len(y_test):
        test_acc = np.array([np.nan])
        mean_acc = median_acc = float("nan")
        chance = float(np.bincount(obs.labels).max() / len(obs.labels))
    else:
        hits = (log_probs_test.argmax(-1) == y_test[None]).sum(axis=1)
        test_acc = hits / len(y_test)
        # The mean and median from the integer hits, each one division as chance is: models
        # right on 88 and 90 of 797 averaged one ulp above the majority class's 89/797 (a
        # privacy verdict for models that learned nothing).
        mean_acc = float(hits.sum() / (len(hits) * len(y_test)))
        median_acc = float(np.median(hits) / len(y_test))
        counts = np.bincount(y_test, minlength=obs.num_classes)
        chance = float(counts.max() / len(y_test))
        at_chance = int((hits <= counts.max()).sum())  # (integer hits: no rounding)
    # The member accuracy's own chance: what the best constant answer scores on each model's
    # members (their class shares differ from the population's when the masks do).
    members_chance = _exact_mean([Fraction(int(np.bincount(obs.labels[m]).max()), int(m.sum()))
                                  for m in obs.masks if m.any()])  # fmt: skip
    return {
        **({} if log_probs_test is None or y_test is None or not len(y_test)
           else {"test_accuracy_models_at_chance": at_chance}),
        "members_chance_accuracy": members_chance,
        "train_accuracy": train_mean,
        "test_accuracy": mean_acc,
        "test_accuracy_std": float(np.std(test_acc)),
        "test_accuracy_median": median_acc,
        "generalization_gap": float(train_mean - mean_acc),
        "chance_accuracy": chance,
    }


def _exact_mean(values: Sequence[Fraction]) -> float:
    """The mean of exact fractions, rounded once (NaN for none)."""
    return float(sum(values, Fraction(0)) / len(values)) if values else float("nan")


def utility_figures(
    ensemble: Ensemble,
    log_probs_test: np.ndarray,
    y_test: np.ndarray,
    obs: Observations,
    *,
    members_once: np.ndarray | None = None,
) -> dict[str, float]:
    """`released_accuracy`, with the losses of the released weights and the epochs of the
    models' training histories; ``members_once``: the population's outputs asked once, as
    the test set's were (`release_members_once`), for the members' accuracy and the gap.
    ``test_accuracy_before_release``: the released weights' own test accuracy, the argmax of
    their outputs before the release (a release that destroys the utility, heavy noise,
    leaves it above chance: `mia_defense.report.checks.release_below_chance_note`)."""
    if members_once is not None:
        obs = replace(obs, log_probs=members_once)
    accuracy = released_accuracy(obs, log_probs_test, y_test)
    finals = [h.of_released for h in ensemble.histories]
    return {
        **{k: accuracy[k] for k in ("train_accuracy", "test_accuracy", "test_accuracy_std",
                                    "test_accuracy_median", "generalization_gap",
                                    "test_accuracy_models_at_chance") if k in accuracy},
        "test_accuracy_before_release": float(np.mean([r.test_acc for r in finals])),
        "train_loss": float(np.mean([r.train_loss for r in finals])),
        "test_loss": float(np.mean([r.test_loss for r in finals])),
        "epochs_trained": float(np.mean([len(h.epoch_stats) for h in ensemble.histories])),
        "chance_accuracy": accuracy["chance_accuracy"],
    }


def _attack_summary(
    result: AttackResult, fprs: Sequence[float], members: np.ndarray | None = None,
    regular: np.ndarray | None = None,
) -> dict[str, Any]:
    """Flat figures of one attack: its access, AUC and TPR@FPR each with its CI, the FPR each
    TPR was read at (`fpr_read_key`), advantage, ε bound, each setting it chose on its
    references (mean, min, max over targets), and,
    given ``members`` (the [T, N] masks of its targets) and ``regular`` ([N], the records
    that are no canary, as its metrics pool them), ``nonmember_top_ties``
    (`top_tied_nonmembers`)."""
    summary: dict[str, Any] = {"access": result.access, "auc": result.metrics.auc}
    ci = result.intervals
    if ci is not None:
        summary.update({"auc_ci_low": ci.auc[0], "auc_ci_high": ci.auc[1]})
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


def models_at_chance_note(utility: Mapping[str, Any], num_models: Any) -> str | None:
    """Why a run judged above chance understates its leak when some of its models learned
    nothing (``utility.test_accuracy_models_at_chance``, 0 < n < K), or ``None``: their
    targets' chance-level scores are pooled with the others' (train.lr=0.2 on digits, K=8:
    4 models at or below chance, the mean 0.171 and the median 0.143 above the majority's
    0.112, so the run was ranked as any other)."""
    count = utility.get("test_accuracy_models_at_chance")
    if not some_models_at_chance(count, num_models):
        return None
    cause = release_took_accuracy(utility)
    if cause is not None:
        return (f"{count} of the {num_models} models' test accuracy is not above chance: "
                f"{cause}; the attacks pool their targets' chance-level scores with the "
                "others', so the leak of the models that learned is understated")
    return (f"{count} of the {num_models} models' test accuracy is not above chance: they "
            "learned nothing (training that failed in some models), and the attacks pool "
            "their targets' chance-level scores with the others', so the leak of the models "
            "that learned is understated")


def warn_models_at_chance(utility: Mapping[str, Any], num_models: int) -> None:
    """Warn with `models_at_chance_note` where the run gets a verdict."""
    if "chance_accuracy" not in utility or not _above_chance(utility):
        return
    note = models_at_chance_note(utility, num_models)
    if note:
        log.warning("SOME MODELS AT CHANCE: %s", note)


def _at_chance(
    obs: Observations, models: np.ndarray, records: np.ndarray
) -> list[tuple[int, float, float]]:
    """(model, accuracy, chance) of each of the ``models`` whose accuracy on the judged
    ``records`` ([N] bool) it did not train on is not above their majority class's."""
    found = []
    for k in np.asarray(models):
        held_out = ~obs.masks[k] & records
        if not held_out.any():  # (one kind of record: said apart)
            continue
        labels = obs.labels[held_out]
        hits = int((obs.log_probs[k, held_out].argmax(-1) == labels).sum())
        majority = int(np.bincount(labels).max())
        if hits <= majority:  # integer counts: no rounding
            found.append((int(k), hits / len(labels), majority / len(labels)))
    return found


def _at_chance_text(found: list[tuple[int, float, float]]) -> str:
    return first_few(found, 8, sep="; ", more=True,
                     each=lambda one: f"model {one[0]}: {one[1]:.3f} against {one[2]:.3f}")


def _models_learned_nothing(
    obs: Observations, targets: np.ndarray, records: np.ndarray, utility: Mapping[str, Any],
    shadows: Observations | None = None,
) -> str | None:
    """Why a run judged above chance gets no verdict because most of the models its attacks
    read learned nothing, or ``None``: each model's accuracy on the judged ``records`` ([N]
    bool) it did not train on, held to their majority class's (`_at_chance`).

    The targets, where the attacks judge fewer than the run trained (attack.num_targets <
    plan.num_models) or the run has no test set: its accuracy is every model's, so
    train.lr=0.3 on digits with K=8 and attack.num_targets=1 (seed 5: target 0 at 0.077 on
    its non-members against 0.118, the median model at 0.155 against 0.118) was judged on
    the seven models the attacks did not target, and their TPR on a model that learned
    nothing read as a private model's; without a test set the members' mean accuracy is
    judged (`judged_accuracy`): 5 of 8 models answering one class beside 3 that learned got
    a verdict. And a naive attacker's ``shadows`` (attack.shadow_recipe=undefended): without
    DP's clipping, train.lr=1e4 left them at chance while the DP targets reached 0.61, and
    attacks calibrated on them read the targets as private."""
    if "chance_accuracy" not in utility or not _above_chance(utility):
        return None  # (the run's own verdict: no verdict)
    if len(targets) < obs.num_models or judged_accuracy(utility)[0] == "member":
        found = _at_chance(obs, targets, records)
        if 2 * len(found) > len(targets):
            fewer = len(targets) < obs.num_models
            return (
                f"{len(found)} of the {len(targets)} target models the attacks judge (attack."
                f"num_targets, of the {obs.num_models} models) learned nothing: their accuracy "
                "on the records they did not train on is not above the majority class's "
                f"({_at_chance_text(found)}), though the run's {judged_accuracy(utility)[0]} "
                "accuracy, the mean of every model's, is above chance; attacks at chance on "
                "such targets read as a private model's. "
                + ("Attack more targets (attack.num_targets), or make every model learn "
                   "(lower train.lr)" if fewer else "Make the models learn (lower train.lr)")
            )
    if shadows is not None:
        found = _at_chance(shadows, np.arange(shadows.num_models), records)
        if 2 * len(found) > shadows.num_models:
            return (
                f"{len(found)} of the {shadows.num_models} undefended shadow models (attack."
                "shadow_recipe=undefended, trained without the defenses) learned nothing: "
                "their accuracy on the records they did not train on is not above the "
                f"majority class's ({_at_chance_text(found)}), so the attacks that read them "
                "were calibrated on models that say nothing, and a low success reads as a "
                "private model's; lower train.lr until models without the defenses learn, "
                "or use attack.shadow_recipe=same"
            )
    return None


def _blown_up(
    utility: Mapping[str, Any], privacy: Mapping[str, Any], num_classes: int
) -> str | None:
    """`blown_up_loss` of a run judged on its accuracy, or ``None``."""
    if "chance_accuracy" not in utility:
        return None
    return blown_up_loss(utility, num_classes, accuracy=judged_accuracy(utility)[1],
                         chance=float(utility["chance_accuracy"]), privacy=privacy)  # fmt: skip


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
