"""Run several attacks on the same observations and evaluate each against the truth."""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from mia_defense.attacks.base import BLACK_BOX, access_of, first_bad
from mia_defense.attacks.gradient import gradient_norm
from mia_defense.attacks.label_only import label_only
from mia_defense.attacks.lira import lira
from mia_defense.attacks.references import checked_targets, strata_of_one_kind
from mia_defense.attacks.rmia import few_z_ties, rmia
from mia_defense.errors import ConfigError, DataError, first_line
from mia_defense.metrics.bootstrap import (
    MAX_BOOTSTRAP,
    Intervals,
    bootstrap_intervals,
    one_class_note,
)
from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.inputs import as_fprs, as_fraction, as_integer, as_truth
from mia_defense.metrics.roc import (
    DEFAULT_FPRS,
    AttackMetrics,
    nonmember_counts,
    pooled_only_fprs,
    pooled_only_text,
    roc_metrics,
    unresolved_fprs,
)
from mia_defense.observation_checks import normalisation_problems
from mia_defense.observations import MissingObservationError, Observations, zero_one_flags

__all__ = [
    "Attack",
    "AttackResult",
    "EvaluationConfig",
    "check_attacks",
    "evaluate",
    "judged_scores",
    "measured_nothing",
    "run_attacks",
    "strongest",
    "tied_by_settings",
    "tied_scores",
]

log = logging.getLogger(__name__)

Attack = Callable[[Observations, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EvaluationConfig:
    """How attack scores are evaluated beyond the ROC.

    Attributes:
        fprs: FPRs at which the TPR is reported.
        bootstrap: resamples for the confidence intervals (0 = none).
        confidence: level of the intervals and of the empirical ε bound.
        delta: the δ of the empirical ε bound (the DP accountant's, else 1e-5).
        seed: drives the resampling.
    """

    fprs: Sequence[float] = DEFAULT_FPRS
    bootstrap: int = 200
    confidence: float = 0.95
    delta: float = 1e-5
    seed: int = 0

    def __post_init__(self) -> None:
        # (a bad value was refused only by run_attacks, or raw inside the metrics of a caller
        # of evaluate: checked here in run_attacks' words)
        _check_evaluation(self, given=True)


@dataclass(frozen=True)
class AttackResult:
    """One attack's scores and metrics.

    Attributes:
        name: the attack's name in the config.
        targets: [T] indices of the attacked models.
        scores: [T, N] membership scores, higher = member.
        metrics: ROC metrics pooled over all targets.
        seconds: wall time of the attack.
        intervals: bootstrap confidence intervals of AUC and TPR@FPR (``None``: not computed).
        epsilon_lower_bound: empirical ε lower bound at the evaluation's δ (NaN: not computed).
        access: what the attack reads of a model (``label``, ``outputs``, ``weights``; see
            `mia_defense.attacks.base`).
        chosen: settings the attack chose on its reference models, each [T] per target
            (e.g. RMIA's ``a``).
    """

    name: str
    targets: np.ndarray
    scores: np.ndarray
    metrics: AttackMetrics
    seconds: float
    intervals: Intervals | None = None
    epsilon_lower_bound: float = float("nan")
    access: str = "outputs"
    chosen: Mapping[str, np.ndarray] = field(default_factory=dict)


def evaluate(
    name: str,
    scores: np.ndarray,
    truth: np.ndarray,
    *,
    targets: np.ndarray,
    config: EvaluationConfig,
    seconds: float = 0.0,
    groups: np.ndarray | None = None,
) -> AttackResult:
    """ROC metrics, bootstrap intervals and the empirical ε bound of scores [T, N];
    ``groups`` [N]: records the bootstrap draws together (`bootstrap_intervals`)."""
    # as roc_metrics reads it (0/1 ints: ~1 is -2; a 2 or -1 was read as a member, silently)
    truth = as_truth(truth, where="evaluate", name="truth")
    metrics = roc_metrics(scores, truth, fprs=config.fprs)
    intervals = bootstrap_intervals(
        scores,
        truth,
        fprs=config.fprs,
        num_resamples=config.bootstrap,
        confidence=config.confidence,
        seed=config.seed,
        groups=groups,
    )
    epsilon = empirical_epsilon(
        metrics.fpr,
        metrics.tpr,
        num_members=int(truth.sum()),
        num_nonmembers=int((~truth).sum()),
        delta=config.delta,
        confidence=config.confidence,
    )
    return AttackResult(name, targets, scores, metrics, seconds, intervals, epsilon)


def run_attacks(
    obs: Observations,
    attacks: Mapping[str, Attack],
    *,
    targets: np.ndarray,
    fprs: Sequence[float] = DEFAULT_FPRS,
    evaluation: EvaluationConfig | None = None,
    records: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> dict[str, AttackResult]:
    """Score every target with every attack; metrics pool the [T, N] scores.

    An attack that needs observations the run did not make (white-box gradients, say) is
    skipped with a warning naming the setting that enables it. Each result records the
    access the attack declared (`access_of`) and the settings it chose per target.

    Args:
        obs: the observations.
        attacks: name -> attack function.
        targets: [T] target models.
        fprs: FPRs reported when ``evaluation`` is not given.
        evaluation: intervals and ε settings; ``None``: ROC metrics only (no bootstrap).
        records: [N] bool, the records the metrics pool (``None``: all); scores keep all N.
        groups: [N] a label per record, equal for exact copies: the bootstrap draws a group
            with all its records (``None``: each record alone).
    """
    config = evaluation or EvaluationConfig(fprs=as_fprs(fprs, where="run_attacks"), bootstrap=0)
    targets = checked_targets(targets, obs.num_models)
    obs = _bool_masks(obs)
    _check_log_probs(obs.log_probs)
    _check_evaluation(config, given=evaluation is not None)
    records = _checked_records(records, groups, len(obs.labels))
    if obs.num_models < 4:
        log.warning(
            "only %d models: each target has %d reference model(s), and the reference-based "
            "attacks (LiRA, RMIA) keep none that would reveal its membership, so they measure "
            "almost nothing and the leak is understated (experiments/reference_models: at K = "
            "2 online LiRA scores every record alike); use plan.num_models >= 16",
            obs.num_models, obs.num_models - 1,
        )
    keep = np.ones(obs.labels.shape, dtype=bool) if records is None else np.asarray(records)
    truth = obs.masks[targets]
    nonmember_scores, nonmember_records = nonmember_counts(truth[:, keep])
    _warn_pooled_fprs(nonmember_scores, config.fprs, records=nonmember_records,
                      population=int(keep.sum()))
    _warn_unresolved_fprs(nonmember_scores, config.fprs)
    _warn_one_class(truth[:, keep], targets)
    pending: dict[str, Future[AttackResult]] = {}
    # Each attack's metrics (ROC, bootstrap, ε bound: numpy, which releases the GIL) are
    # computed in a second thread while the next attack scores; they are pure functions of
    # the scores, so the results do not depend on the overlap. On an error or Ctrl-C the
    # metrics not yet started are dropped, not computed first.
    metrics = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mia-metrics")
    shown, asked = _read_only(obs), _read_only_array(targets)
    split: list[bool] = []  # (strata_of_one_kind, found once, for the first attack that ranks)
    try:
        for name, attack in attacks.items():
            start = time.perf_counter()
            try:
                raw = attack(shown, asked)
                scores = _as_scores(raw, name=name, expected=truth.shape)
            except MissingObservationError as exc:
                log.warning("attack %s skipped: %s", name, exc)
                continue
            except Exception as exc:
                if isinstance(exc, ConfigError) or _is_our_attack(attack):
                    raise
                raise ConfigError(
                    f"attack.attacks.{name}: the attack raised {type(exc).__name__}: "
                    f"{first_line(exc, type(exc).__name__)}; fix it, or leave it out with "
                    f"'~attack.attacks.{name}'"
                ) from exc
            why = None
            if _ranks_within_strata(attack):
                split = split or [strata_of_one_kind(obs.masks, targets, keep)]
                if split[0]:  # (their ranks are uniform in each kind: one score says it)
                    scores, why = np.zeros_like(scores), ONE_KIND_STRATA
            if not _informative(scores, name=name, records=keep, num_models=obs.num_models,
                                why=why):
                continue
            seconds = time.perf_counter() - start
            chosen = _checked_chosen(_chosen(raw), name=name, num_targets=len(targets))
            pending[name] = metrics.submit(
                _evaluate_all, name, scores, truth, keep, targets=targets, config=config,
                seconds=seconds, access=access_of(attack), chosen=chosen,
                groups=None if groups is None else np.asarray(groups)[keep],
            )
        results = {name: future.result() for name, future in pending.items()}
        _warn_one_class_resamples(results)
        return results
    finally:
        metrics.shutdown(cancel_futures=True)


def _check_evaluation(config: EvaluationConfig, *, given: bool) -> None:
    """Refuse `EvaluationConfig` settings out of range before any attack runs (`ConfigError`
    naming each): they failed after every attack had scored, in the metrics' words, or
    as a raw ZeroDivisionError (an FPR of 0) or TypeError (one FPR, not a sequence)."""
    where = "run_attacks: evaluation" if given else "run_attacks"
    as_fprs(config.fprs, where=where)
    as_integer(config.bootstrap, key=f"{where}.bootstrap", low=0, high=MAX_BOOTSTRAP)
    as_integer(config.seed, key=f"{where}.seed", low=0)
    as_fraction(config.confidence, key=f"{where}.confidence", note="e.g. 0.95")
    as_fraction(config.delta, key=f"{where}.delta", zero=True, note="e.g. 1e-5")


def _checked_records(records: object, groups: object, num_records: int) -> np.ndarray | None:
    """``records`` as [N] bool (``None`` stays ``None``), and ``groups`` of one label per
    record; a `DataError` naming them otherwise: 0/1 ints were taken as record indices
    (records 0 and 1, twenty times each: other figures, silently), other lengths were
    numpy's IndexError after the attacks ran."""
    if groups is not None and np.shape(groups) != (num_records,):
        raise DataError(f"run_attacks: groups has shape {np.shape(groups)}, expected "
                        f"({num_records},): one label per record (equal for exact copies)")
    if records is None:
        return None
    mask = zero_one_flags(records)
    if mask is None:
        raise DataError("run_attacks: records holds other values than True/False or 0/1; give "
                        "[N] bool, True for the records the metrics pool (from record indices "
                        "i: np.isin(np.arange(N), i))")  # fmt: skip
    if mask.shape != (num_records,):
        raise DataError(f"run_attacks: records has shape {mask.shape}, expected "
                        f"({num_records},): one bool per record, True for those the metrics "
                        "pool")  # fmt: skip
    return mask


def _read_only(obs: Observations) -> Observations:
    """``obs`` with read-only views of its arrays, for the attacks: an attack of the user's
    own that wrote into them (``obs.log_probs[...] = 0``) changed what every later attack
    scored and what mia-attack saved as the run's observations.npz (its recorded sha256
    that of the changed copy); written to now, it raises, and the runner names it."""
    shown = copy.copy(obs)
    for name in (f.name for f in fields(obs)):
        value = getattr(obs, name)
        if isinstance(value, np.ndarray):
            object.__setattr__(shown, name, _read_only_array(value))
    return shown


def _read_only_array(values: np.ndarray) -> np.ndarray:
    view = np.asarray(values).view()
    view.flags.writeable = False
    return view


def _bool_masks(obs: Observations) -> Observations:
    """``obs`` with bool masks: 0/1 numbers become bool, anything else is a `ConfigError`.
    Observations built directly keep the masks given; integer ones counted the non-members
    as ``~1 + ~0`` (negative: the ε bound came out NaN) and broke the class calibration."""
    masks = np.asarray(obs.masks)
    if masks.dtype == bool:
        return obs
    if not (np.issubdtype(masks.dtype, np.number) and np.isin(masks, (0, 1)).all()):
        raise ConfigError(f"observations.masks: dtype {masks.dtype} with values other than 0 "
                          "and 1; masks[k, n] is True where record n trained model k")
    return replace(obs, masks=masks.astype(bool))


# Log-probabilities above 0 that float rounding of a log-softmax explains (as the
# observations' checks allow).
_ROUNDED_ABOVE_ZERO = 1e-4


# The outputs whose sums `_check_log_probs` checks: those of every model's first records.
_CHECKED_CELLS = 2**20


def _check_log_probs(log_probs: np.ndarray) -> None:
    """A `DataError` for ``observations.log_probs`` that no log-probabilities are: of no
    records or classes, NaN, above 0 (`_refuse_above_zero`), or no distribution
    (`_refuse_no_distribution`).
    Observations built directly have had their shapes checked only: logits with -inf for
    withheld classes given as log_probs were ranked as losses (the loss attack's AUC 0.58
    where their log-softmax gives 0.75), NaN outputs became NaN scores ranked last, and
    doubled probabilities read AUC 0.61 for 0.85."""
    values = np.asarray(log_probs)
    if values.ndim == 3 and not values.size and values.shape[0]:
        # (no records: 'no non-member among the records judged' and 'NaN for every score')
        empty = "no records (N=0)" if not values.shape[1] else "no classes (C=0)"
        raise DataError(f"run_attacks: observations.log_probs has shape {values.shape}: "
                        f"{empty}; give every model's outputs on the records attacked")
    if values.size:
        _refuse_above_zero(values)
        _refuse_no_distribution(values)


def _refuse_above_zero(values: np.ndarray) -> None:
    """`_check_log_probs`' NaN and values above 0, from one max over ``values`` (NaN where
    any is NaN); no copy of them unless one is found."""
    top = float(np.max(values))
    if top <= _ROUNDED_ABOVE_ZERO:  # (False for NaN)
        return
    value, at = first_bad(values, np.isnan(values) if math.isnan(top)
                          else values > _ROUNDED_ABOVE_ZERO)
    if math.isnan(top):
        raise DataError(f"run_attacks: observations.log_probs holds NaN at {at}; released "
                        "outputs must be numbers: give each record's log-probabilities")
    raise DataError(
        f"run_attacks: observations.log_probs holds {value:g} at {at}: "
        "log-probabilities are <= 0 (-inf where a class is withheld); logits go in as "
        "torch.log_softmax(torch.as_tensor(logits), -1).numpy() (a logit of -inf stays "
        "-inf), or make the observations with api.observations_from_arrays(outputs, masks, "
        "labels, kind=...), which checks them"
    )


def _refuse_no_distribution(values: np.ndarray) -> None:
    """`_check_log_probs`' outputs that are no distribution (`normalisation_problems`),
    read on every model's first records (`_CHECKED_CELLS` outputs at most: a release scaled
    wrong is so throughout): those of every row took 0.8 s at 64 models x 50,000 records
    x 10 classes, which mia-train's own check had passed."""
    rows = max(_CHECKED_CELLS // max(values.shape[0] * values.shape[-1], 1), 1)
    problems = normalisation_problems(values[:, :rows], "log_probabilities",
                                      "observations.log_probs")
    if problems:
        raise DataError(f"run_attacks: {problems[0]}")


def _informative(
    scores: np.ndarray, *, name: str, records: np.ndarray | None = None, num_models: int = 0,
    why: str | None = None,
) -> bool:
    """Whether ``scores`` carry anything to judge: all NaN is skipped with a warning (tied
    at the bottom of the ranking, they gave AUC 0.5 and TPR 0, a chance-level attack that
    reads as 'private'); some NaN are said (they rank as the least likely members). One
    score for every judged record of each target (`tied_scores`) is said too: the attack
    is kept (a sweep's runs keep one set of attacks) but never decides the verdict; ``why``
    says why it is tied (else `_tied_reason`'s)."""
    missing = np.isnan(scores)
    why = _tied_reason(name, num_models) if why is None else why
    if missing.all():
        log.warning("attack %s skipped: it returned NaN for every score, which says nothing "
                    "about membership (as AUC 0.5 it would read as 'no leak')", name)
        return False
    judged = scores if records is None else scores[:, np.asarray(records, dtype=bool)]
    if tied_scores(judged) and _one_score(judged):
        log.warning(
            "attack %s: it gave every record the same score (per target), which says nothing "
            "about membership: its AUC 0.5 and TPR 0 measure no leak, and it never decides "
            "the verdict%s", name, why,
        )
    elif tied_scores(judged):  # (one score per target, not the same for all: AUC not 0.5)
        log.warning(
            "attack %s: it gave every record the same score (per target), which says nothing "
            "about membership: the targets' scores differ (or some are NaN, ranked lowest), so "
            "its pooled AUC and TPRs rank whole targets against one another, a difference "
            "between models, not a leak, whatever they read; it never decides the verdict%s",
            name, why,
        )
    if missing.any():
        log.warning("attack %s: NaN for %d of %d scores; they rank as the least likely "
                    "members", name, int(missing.sum()), missing.size)
    return True


def judged_scores(result: AttackResult, records: np.ndarray | None) -> np.ndarray:
    """``result``'s scores [T, N] of the ``records`` [N] bool the metrics judged (``None``:
    all): an attack tied on those and not on the canaries measured nothing the figures
    show (it was named the strongest while its warning said it never decides the verdict)."""
    return result.scores if records is None else result.scores[:, np.asarray(records, bool)]


def measured_nothing(result: AttackResult, records: np.ndarray | None) -> bool:
    """Whether ``result`` measured nothing on the ``records`` [N] bool the metrics judged
    (``None``: all): its judged scores give each target's records one score (`tied_scores`).
    Such an attack ranks whole targets, not members: it never names the verdict, bounds no
    ε held to a claim, and shows no leak at chance utility (the one rule, used everywhere)."""
    return tied_scores(judged_scores(result, records))


def tied_scores(scores: np.ndarray) -> bool:
    """Whether scores [T, N] give each target's records one score (NaN aside): LiRA online
    at K=2, whose one reference is never IN and OUT of a record (`balanced_references` keeps
    none), the entropy of one-hot outputs (release=label_only), an attack of a user's
    returning a constant. Their AUC 0.5 [0.5, 0.5] and TPR 0 [0, 0] read as a measured
    'no leak' (as a run's only attack, a leaky run looked private)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or not scores.size:
        return False
    low, high = np.fmin.reduce(scores, axis=1), np.fmax.reduce(scores, axis=1)
    return bool(np.all((low == high) | np.isnan(low)))


def _one_score(scores: np.ndarray) -> bool:
    """Whether scores [T, N] are one number, no NaN among them: only then are their pooled
    AUC 0.5 and TPR 0 (one score per target, differing between targets, gave AUC 1.000 at
    N=1 beside a warning that said 0.5)."""
    values = np.asarray(scores, dtype=np.float64)
    return not values.size or (not np.isnan(values).any() and values.min() == values.max())


def _tied_reason(name: str, num_models: int) -> str:
    """Why an attack of ours may score every record alike: LiRA online's IN and OUT
    references at K=2 (`balanced_references` keeps none of a closed record)."""
    if name.startswith("lira_online") and num_models == 2:
        return ("; LiRA online needs IN and OUT reference models of each record, which "
                "plan.num_models=2 cannot give: use plan.num_models >= 4")
    return ""


# Why an attack that ranks within strata (`_ranks_within_strata`) measured nothing on masks
# whose strata hold one kind of record each (`strata_of_one_kind`).
ONE_KIND_STRATA = (
    "; the masks put every record into the same number of models, not half of them, so a "
    "target's references hold one IN model fewer of each of its members than of its "
    "non-members, and this attack ranks each record only among those held by as many "
    "references, all members or all non-members of the target: its ranks say nothing "
    "whatever the leak (AUC 0.5), so they were set to one score; train each record into "
    "exactly half of the models (api.make_plan)"
)


def _ranks_within_strata(attack: Attack) -> bool:
    """Whether ``attack`` is one of ours that ranks each target's scores within strata of
    records kept by as many references (`ranked_within_strata`): lira, rmia, and label_only
    and gradient_norm unless calibration=global."""
    node, settings = _unwrapped(attack)
    if node in (lira, rmia):
        return True
    return node in (label_only, gradient_norm) and settings.get("calibration") != "global"


def _unwrapped(attack: Attack) -> tuple[object, dict[str, Any]]:
    """The function under ``attack``'s ``functools.partial`` layers (as Hydra builds one)
    and the keyword settings they bind, the outer ones last."""
    node: object = attack
    settings: dict[str, Any] = {}
    while isinstance(node, functools.partial):
        settings = {**node.keywords, **settings}
        node = node.func
    return node, settings


def tied_by_settings(name: str, attack: Attack, num_samples: int) -> tuple[str, str] | None:
    """Why ``attack`` (named ``name``) ties its top scores by its own settings, and the fix,
    or ``None``: rmia's ``num_z`` below the ``num_samples`` population samples
    (`few_z_ties`), which the end-of-run note on tied scores names in place of coarse
    outputs and too few models."""
    node, settings = _unwrapped(attack)
    return few_z_ties(name, settings.get("num_z"), num_samples) if node is rmia else None


def _online_lira(attack: Attack) -> bool:
    """Whether ``attack`` is our `lira` with ``online`` (its default): at K=2 it scores
    every record alike (`_tied_reason`), whatever the models learnt."""
    node, settings = _unwrapped(attack)
    return node is lira and bool(settings.get("online", True))


def _is_ours(attack: Attack) -> bool:
    """Whether ``attack`` is one of mia-defense's (a failure inside it is a bug of ours,
    left as a traceback) rather than a user's ``_target_``."""
    node: object = attack
    while isinstance(node, functools.partial):
        node = node.func
    module = getattr(node, "__module__", None) or type(node).__module__
    return str(module).startswith("mia_defense.")


def _is_our_attack(attack: Attack) -> bool:
    """`_is_ours` and declares its access (`requires_access`), as every attack of ours does:
    a failure inside it is a bug of ours. Another function of mia_defense named as an attack
    (``mia_defense.attacks.signals.confidence``, a signal) is a user's mistake: its
    AttributeError was a traceback after training."""
    node: object = attack
    while isinstance(node, functools.partial):
        node = node.func
    return _is_ours(attack) and getattr(node, "access", None) is not None


def _as_scores(
    raw: object, *, name: str, expected: tuple[int, ...], where: str = ""
) -> np.ndarray:
    """An attack's output as float scores of shape ``expected`` ([T, N]); a `ConfigError`
    naming the attack when it returned something else (a user's attack broke the contract)."""
    try:
        if np.iscomplexobj(raw):  # numpy would drop the imaginary part with a warning only
            raise TypeError("complex numbers")
        scores = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"attack.attacks.{name}: returned {type(raw).__name__}, not numeric scores "
            f"({first_line(exc, type(exc).__name__)}); an attack returns scores [T, N] "
            "(targets x records), "
            "higher = more likely a member"
        ) from None
    if scores.shape != expected:
        raise ConfigError(
            f"attack.attacks.{name}: returned scores of shape {scores.shape}, expected "
            f"{expected} (targets x records{where}); an attack returns one score per target "
            "and record"
        )
    return scores


def _needed(fpr: float) -> str:
    """The non-member scores that resolve ``fpr``: 1 / fpr rounded up, written out; in
    ``%.3g`` past 10^15 (an FPR of 1e-310 made 1 / fpr infinite: an OverflowError after
    training)."""
    needed = 1 / fpr
    if needed < 1e15:
        return str(math.ceil(needed))
    return f"{needed:.3g}" if math.isfinite(needed) else f"1/{fpr:g}"


def _warn_pooled_fprs(
    nonmember_scores: int, fprs: Sequence[float], *, records: int, population: int | None
) -> None:
    """Say which FPRs the non-member scores resolve only pooled over the targets, the
    ``records`` they are of (distinct) being fewer than 1 / FPR (`pooled_only_fprs`;
    ``population``: the records judged, for `more_records_advice`)."""
    pooled = pooled_only_fprs(records, nonmember_scores, fprs) if nonmember_scores else []
    if pooled:
        log.warning("the attacks' %s", pooled_only_text(nonmember_scores, records, pooled,
                                                        population=population))


def _warn_unresolved_fprs(nonmember_scores: int, fprs: Sequence[float]) -> None:
    """Say which FPRs the non-member scores do not resolve (`unresolved_fprs`)."""
    unresolved = unresolved_fprs(nonmember_scores, fprs) if nonmember_scores else []
    if unresolved:  # (no non-member at all: the metrics are NaN, said elsewhere)
        shown = ", ".join(f"{f * 100:g}%" for f in unresolved)
        log.warning(
            "the attacks are judged on %d non-member scores, fewer than 1/FPR: the TPR at "
            "%s FPR is the TPR at FPR 0 of these scores (about FPR %.3g%% on fresh data), "
            "not a figure at that FPR; raise plan.population_size or attack.num_targets to "
            "at least %s non-member scores", nonmember_scores, shown,
            100 / nonmember_scores, _needed(min(unresolved)),
        )


def _warn_one_class(truth: np.ndarray, targets: np.ndarray) -> None:
    """Say when the targets' [T, N] membership holds one kind only: no ROC exists, every
    attack's figures are NaN and the run has no privacy verdict."""
    if truth.all() or not truth.any():
        kind = "non-member" if truth.all() else "member"
        log.warning(
            "no privacy verdict: the target models %s have no %s among the records judged, "
            "so AUC and TPR are undefined (NaN) for every attack; attack targets that "
            "trained on some of the records and not on others (attack.num_targets, masks)",
            targets.tolist()[:8], kind,
        )


def _warn_one_class_resamples(results: Mapping[str, AttackResult]) -> None:
    """Say once that the bootstrap left out resamples of one kind of record
    (`one_class_note`): every attack's are the same draws of the same truth."""
    notes = {one_class_note(r.intervals) for r in results.values() if r.intervals is not None}
    for note in sorted(note for note in notes if note):
        log.warning("bootstrap: %s", note)


def _evaluate_all(
    name: str,
    scores: np.ndarray,
    truth: np.ndarray,
    keep: np.ndarray,
    *,
    targets: np.ndarray,
    config: EvaluationConfig,
    seconds: float,
    access: str,
    chosen: Mapping[str, np.ndarray],
    groups: np.ndarray | None = None,
) -> AttackResult:
    """`evaluate` on the ``keep`` records (``groups``: theirs); the result keeps all N
    scores."""
    result = evaluate(name, scores[:, keep], truth[:, keep], targets=targets, config=config,
                      seconds=seconds, groups=groups)
    log.info("attack %s: AUC %.3f (%.2fs)", name, result.metrics.auc, result.seconds)
    return replace(result, scores=scores, access=access, chosen=chosen)


def _chosen(raw: object) -> Mapping[str, np.ndarray]:
    """The settings an attack's `Scores` carry (none for a plain array)."""
    chosen = getattr(raw, "chosen", None)
    return chosen if isinstance(chosen, Mapping) else {}


# The figures of an attack's summary in results.json (pipeline.evaluate): a setting an
# attack chose may not take one of their names (a user's ``chosen={"auc": ...}`` replaced
# the attack's AUC in results.json).
_SUMMARY_KEYS = frozenset({"access", "auc", "auc_ci_low", "auc_ci_high", "advantage",
                           "empirical_epsilon", "seconds"})  # fmt: skip


def _checked_chosen(
    chosen: Mapping[str, Any], *, name: str, num_targets: int
) -> dict[str, np.ndarray]:
    """The settings an attack chose, each as [T] floats; a `ConfigError` naming the
    attack when one is not (strings or objects were a raw ValueError or TypeError, an empty
    one a ValueError when summarised) or would take the name of a figure of its summary."""
    checked = {}
    for key, values in chosen.items():
        where = f"attack.attacks.{name}: the setting {key!r} it chose per target"
        if not isinstance(key, str) or not key.isidentifier() or key in _SUMMARY_KEYS or (
            key.endswith(("_min", "_max"))
        ):
            raise ConfigError(f"{where}: name it with a Python identifier other than "
                              f"{sorted(_SUMMARY_KEYS)} and not ending in _min or _max (its "
                              "summary's figures)")
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.shape != (num_targets,):
            raise ConfigError(f"{where}: give one number per target ({num_targets}), "
                              f"not {type(values).__name__} {values!r:.60}")
        checked[key] = array
    return checked


def check_attacks(
    attacks: Mapping[str, Attack],
    *,
    num_models: int,
    num_classes: int,
    targets: np.ndarray,
    num_records: int = 8,
    observed: bool = False,
) -> None:
    """Rehearse every attack on a tiny random plan of ``num_models`` models, before training.

    An attack's own settings (a bad option, more reference models than the plan has) raise
    `ConfigError` here, so the run stops before training rather than after it. Attacks
    that need observations the rehearsal lacks are left to the real run. A set without
    any black-box attack is refused: white-box attacks never give the run's verdict; so is
    one whose black-box attacks are all LiRA online at K=2, which scores every record alike.
    ``observed``: the models are those of observations made before (mia-attack, the API),
    which no plan.num_models changes: the refusal points to training more with mia-train.
    """
    access = {}
    for name, attack in attacks.items():
        _check_callable(name, attack)
        try:
            access[name] = access_of(attack)
        except ValueError as exc:
            raise ConfigError(f"attack.attacks.{name}: {exc}") from None
    if access and not any(a in BLACK_BOX for a in access.values()):
        raise ConfigError(
            f"attack.attacks: {', '.join(attacks)} all read the models' weights; the run's "
            "verdict (headline, strongest attack, Pareto front) comes from black-box attacks "
            "only: keep at least one, e.g. loss or lira_online"
        )
    black_box = [name for name, a in access.items() if a in BLACK_BOX]
    if black_box and all(_online_lira(attacks[name]) for name in black_box) and num_models == 2:
        models, fix = (
            ("the observations' 2 models", "add an attack that reads the released outputs, "
             "e.g. loss, or attack observations of 4 or more models (train them with "
             "mia-train plan.num_models=4 or more, and attack its run folder)")
            if observed else
            ("plan.num_models=2", "use plan.num_models >= 4, or add an attack that reads the "
             "released outputs, e.g. loss")
        )  # fmt: skip
        raise ConfigError(
            f"attack.attacks: every black-box attack ({', '.join(black_box)}) is LiRA online, "
            f"which at {models} gives every record the same score (each target's one "
            "reference model holds a record IN or OUT, never both), so the run would have no "
            f"privacy verdict; {fix}"
        )
    targets = _read_only_array(targets)  # (the caller's: written by an attack, the run's)
    keys = {
        name: _rehearsal_key(attack, num_models=num_models, num_classes=num_classes,
                             targets=targets, num_records=num_records)
        for name, attack in attacks.items()
    }  # fmt: skip
    rng = np.random.default_rng(0)
    masks = np.zeros((num_models, num_records), dtype=bool)
    # Balanced (every record trains half of the models, rounded down) and spread: record n
    # trains the models after the n-th of a random order, so every model holds about as
    # many members as any other. Drawn at random per record, one of K=3 models held a single
    # member of the 8, and Shokri's two halves of that lone shadow left one without members:
    # every K=3 observations file was refused ('its 3 training rows are all non-members').
    order = rng.permutation(num_models)
    for n in range(num_records):
        masks[order[(n + np.arange(num_models // 2)) % num_models], n] = True
    logits = rng.normal(size=(num_models, num_records, num_classes))
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    rehearsal = Observations(
        log_probs=log_probs.astype(np.float32),
        labels=np.arange(num_records) % num_classes,
        masks=masks,
    )
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the rehearsal's data are random: its warnings are noise
    try:
        for name, attack in attacks.items():
            if keys[name] in _REHEARSED:  # (None never is)
                continue
            try:
                raw = attack(rehearsal, targets)
            except MissingObservationError:
                continue
            except ConfigError as exc:
                raise ConfigError(f"attack.attacks.{name}: {exc}") from None
            except Exception as exc:  # a rehearsal only checks settings
                log.debug("rehearsal of attack %s failed (%s); left to the real run", name, exc)
                continue
            _as_scores(raw, name=name, expected=(len(targets), num_records),
                       where=f" of a rehearsal on {num_records} random records before training")
            if keys[name] is not None:
                if len(_REHEARSED) >= _REHEARSED_MAX:
                    _REHEARSED.clear()
                _REHEARSED.add(keys[name])
        for name, attack in attacks.items():
            if access[name] not in BLACK_BOX or _is_ours(attack):  # ours: access known
                continue
            if _reads_weights(attack, rehearsal, targets, rng):
                raise ConfigError(
                    f"attack.attacks.{name}: reads observations.grad_norms (the models' "
                    f"weights, white box) but declares access {access[name]!r}, so it would "
                    "decide the black-box verdict (headline, strongest attack, Pareto front) "
                    "with a signal no release lets out; mark it with "
                    "@mia_defense.attacks.requires_access('weights')"
                )
    finally:
        logging.disable(previous)


# The rehearsals of our own attacks that passed in this process (`_rehearsal_key`): every
# point of a sweep rehearsed the same attacks on the same plan again, 0.17 s of CPU a run
# (Shokri's gradient boosting 0.09 s, RMIA 0.05 s), the same outcome each time.
_REHEARSED: set[tuple[Any, ...]] = set()
_REHEARSED_MAX = 4096


def _rehearsal_key(
    attack: Attack, *, num_models: int, num_classes: int, targets: np.ndarray, num_records: int
) -> tuple[Any, ...] | None:
    """What decides the rehearsal of one of our attack functions, bare or bound to plain
    settings (``functools.partial``, as Hydra builds it): the function, its settings and
    the plan. ``None`` for anything else, rehearsed every time (a user's attack may keep
    state or read the world)."""
    node: object = attack
    args: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}
    if isinstance(node, functools.partial):
        node, args, keywords = node.func, node.args, dict(node.keywords)
    if not inspect.isfunction(node) or not str(node.__module__).startswith("mia_defense."):
        return None
    if not all(_plain(value) for value in (*args, *keywords.values())):
        return None
    return (node.__module__, node.__qualname__, repr(args), repr(sorted(keywords.items())),
            num_models, num_classes, tuple(np.asarray(targets).tolist()), num_records)  # fmt: skip


def _plain(value: object) -> bool:
    """A setting whose repr says all of it: None, a bool, number or string, or a list or
    tuple of them."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def _reads_weights(
    attack: Attack, rehearsal: Observations, targets: np.ndarray, rng: np.random.Generator
) -> bool:
    """Whether ``attack`` reads the white-box gradient norms: it runs with them and not
    without them, or (when it gives the same scores twice on the same input) its scores
    change with them. An attack of a user's that reads ``obs.grad_norms`` but declares
    nothing counted as a black-box one: a gradient signal then decided the verdict of,
    e.g., ``release=label_only``."""
    shape = rehearsal.masks.shape
    first, second = rng.random(shape) + 0.1, rng.random(shape) + 0.1

    def scores(norms: np.ndarray | None) -> np.ndarray | None:
        try:
            raw = attack(replace(rehearsal, grad_norms=norms), targets)
            return np.asarray(raw, dtype=np.float64)
        except Exception:  # any failure: compare what ran
            return None

    without, once, again, other = scores(None), scores(first), scores(first), scores(second)
    if once is None or other is None:
        return False
    if without is None:
        return True
    if again is None or again.shape != once.shape or not np.allclose(once, again, equal_nan=True):
        return False  # not deterministic: its scores tell nothing
    return other.shape != once.shape or not np.allclose(once, other, equal_nan=True)


def _check_callable(name: str, attack: object) -> None:
    """A `ConfigError` naming the attack when it is not callable as
    ``attack(observations, targets)`` (a ``_target_`` that built something else, or a
    function of other arguments), before any model is trained."""
    fix = ("point its _target_ at a function (observations, targets) -> scores [T, N] (with "
           "_partial_: true to bind settings) or a class whose instances are called so")
    if not callable(attack):
        raise ConfigError(
            f"attack.attacks.{name}: its _target_ built {type(attack).__name__}, not an "
            f"attack; {fix}"
        )
    try:
        signature = inspect.signature(attack)
    except (TypeError, ValueError):  # a builtin without a signature: left to the rehearsal
        return
    try:
        signature.bind(None, None)
    except TypeError as exc:
        raise ConfigError(
            f"attack.attacks.{name}: cannot be called as attack(observations, targets) "
            f"({exc}); {fix}"
        ) from None


def strongest(
    results: Mapping[str, AttackResult],
    fpr: float,
    *,
    access: Sequence[str] = BLACK_BOX,
    records: np.ndarray | None = None,
) -> str | None:
    """Name of the attack with the highest TPR at ``fpr`` among those whose access is in
    ``access`` (default: black box, the run's verdict); ``None`` if none. Ties (small runs
    tie often, every attack at TPR 0) are broken by the TPR at each higher FPR the metrics
    read, lowest first, then by the AUC, then by the order of ``results`` (attack.attacks'
    order, the table's): one rule, so mia-train and mia-attack name the same attack.

    White-box attacks read the weights, which no release lets out, so they never decide a
    black-box verdict; ``access=WHITE_BOX`` picks the strongest of them, reported apart.
    ``records`` [N] bool: the records the metrics judged (``run_attacks``' ``records``;
    ``None``: all), whose scores tell a measured attack from a tied one.
    """
    allowed = [name for name, result in results.items() if result.access in access]
    if not allowed:
        return None
    # an attack of tied scores measured nothing: it never names the verdict while another can
    measured = [name for name in allowed if not measured_nothing(results[name], records)]
    allowed = measured or allowed

    def rank(name: str) -> tuple[float, ...]:
        tpr = results[name].metrics.tpr_at_fpr
        higher = sorted(f for f in tpr if f > fpr)
        figures = [tpr[fpr], *(tpr[f] for f in higher), results[name].metrics.auc]
        return tuple(float(np.nan_to_num(v, nan=-1.0)) for v in figures)

    return max(allowed, key=rank)  # (max keeps the first of equal ranks: results' order)
