"""RMIA, the relative membership-inference attack of Zarifzadeh et al. (2024)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from mia_defense.attacks.base import Scores, chooses, requires_access
from mia_defense.attacks.references import (
    balanced_references,
    check_kinds,
    checked_targets,
    closed_records,
    ranked_within_strata,
    reference_models,
    require_references,
)
from mia_defense.attacks.signals import true_class_log_prob
from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics.inputs import as_scores, as_truth
from mia_defense.observations import Observations

__all__ = ["A_GRID", "DEFAULT_A", "MAX_GAMMA", "check_gamma", "choose_a", "few_z_ties", "rmia"]

log = logging.getLogger(__name__)

# Candidates for the offline scaling ``a`` chosen on the reference models.
A_GRID: tuple[float, ...] = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
# The ``a`` used when there are too few references to choose one (fewer than 2).
DEFAULT_A = 0.3
# The largest ``gamma`` (the config's bound too): far beyond the paper's 1-2 no record's ratio
# beats a z by it, and every score is 0, a leak read as chance.
MAX_GAMMA = 10**6
# Reference models that play the target in turn when ``a`` is chosen: each costs a pass
# over the others, so all of them would make the attack cubic in K (37 s of RMIA at K=64
# on digits); 16 keeps every one of the 15 at the default K=16.
MAX_PSEUDO_TARGETS = 16


def few_z_ties(name: str, num_z: Any, num_samples: Any) -> tuple[str, str] | None:
    """Why `rmia` named ``name`` (its key under ``attack.attacks``) ties its scores at the
    top by its own setting ``num_z``, and the fix, for the end-of-run and mia-report notes
    on tied scores; ``None`` where ``num_z`` is null or compares with all ``num_samples``
    population samples (``None``: unknown). A record's score is the share of the num_z
    samples it beats: num_z + 1 values, and about 1 in num_z + 1 records of a target beat
    them all (num_z=10: 85 of 4,000 non-member scores tied at the top, put down to coarse
    outputs and too few models, neither of which it was)."""
    if isinstance(num_z, bool) or not isinstance(num_z, int) or num_z < 1:
        return None
    counted = isinstance(num_samples, int) and not isinstance(num_samples, bool)
    if counted and num_z >= num_samples:
        return None
    cause, instead = _few_z_words(num_z, num_samples if counted else None)
    return f"{name} {cause}", f"attack.attacks.{name}.num_z=null, {instead}"


def _few_z_words(num_z: int, num_samples: int | None) -> tuple[str, str]:
    """What ``num_z`` does to rmia's scores, and what ``num_z`` null does instead (compared
    with all ``num_samples`` population samples; ``None``: unknown): the words of `rmia`'s
    warning and of `few_z_ties`' notes, each with its own name of the setting."""
    return (
        f"num_z={num_z}: a record's score is the share of {num_z} population samples it "
        f"beats, {num_z + 1} values at most",
        f"to compare with all {'' if num_samples is None else f'{num_samples} '}population "
        "samples",
    )


def _log_mean_prob(log_p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log of the weighted mean over rows of exp(``log_p``) [R, N]; NaN where weights sum to 0."""
    count = weights.sum(axis=0)
    top = np.max(np.where(weights > 0, log_p, -np.inf), axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    total = (np.exp(log_p - top) * weights).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, np.log(total / count) + top, np.nan)


def _log_out_prob(
    ref_log_p: np.ndarray, ref_masks: np.ndarray, closed: np.ndarray | None = None
) -> np.ndarray:
    """log Pr(x)_OUT [N]: the OUT references' average probability (balanced, see
    `balanced_references`, ``closed`` as there). A sample no OUT reference saw (only with
    very few references) gets the average OUT probability over all samples, not a value of
    its own that would single it out."""
    _, out = balanced_references(ref_masks, closed=closed)
    log_out = _log_mean_prob(ref_log_p, out)
    overall = np.log(np.mean(np.exp(ref_log_p)[out > 0])) if (out > 0).any() else 0.0
    return np.where(np.isnan(log_out), overall, log_out)


def _offline_marginal(log_out: np.ndarray, a: np.ndarray | float) -> np.ndarray:
    """log Pr(x) = log(((1 + a) Pr(x)_OUT + (1 - a)) / 2): Pr(x)_IN approximated as
    a Pr(x)_OUT + (1 - a) (the paper's offline scaling). ``a`` broadcasts against [N]."""
    return np.log((1.0 + a) / 2.0 * np.exp(log_out) + (1.0 - a) / 2.0)


def _log_marginal(
    ref_log_p: np.ndarray, ref_masks: np.ndarray, *, online: bool, a: float,
    closed: np.ndarray | None = None,
):  # fmt: skip
    """log Pr(x) [N]: the reference models' average probability of the true class.

    Online it averages as many IN as OUT references of x (a sample without any: the average
    over all samples); offline only the OUT references are used, scaled by ``a``
    (`_offline_marginal`). ``closed``: as in `balanced_references`.
    """
    if online:
        ref_in, ref_out = balanced_references(ref_masks, closed=closed)
        weights = ref_in + ref_out
        log_both = _log_mean_prob(ref_log_p, weights)
        overall = np.log(np.mean(np.exp(ref_log_p)[weights > 0])) if (weights > 0).any() else 0.0
        return np.where(np.isnan(log_both), overall, log_both)
    return _offline_marginal(_log_out_prob(ref_log_p, ref_masks, closed), a)


def _auc(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """AUC of each row of ``scores`` [G, N] against ``truth`` [N] (Mann-Whitney, ties half;
    NaN for a row holding NaN).

    Each member is counted against its row's sorted non-members: those below it and half
    those equal to it (a second search only for a row with such ties). The count is a
    whole number or a half, exact, as is the rank sum it replaces (scipy's rankdata, two
    thirds of RMIA's time on digits), so the AUCs are the same to the last bit.
    """
    members = int(truth.sum())
    others = truth.size - members
    below = np.sort(scores[:, ~truth], axis=-1)  # [G, others]
    inside = np.sort(scores[:, truth], axis=-1)  # [G, members]; sorted: faster searches
    under = np.stack([np.searchsorted(row, mine, side="left")
                      for row, mine in zip(below, inside, strict=True)])  # fmt: skip
    up_to = under.copy()  # non-members below or equal to each member
    tied = np.take_along_axis(below, np.minimum(under, others - 1), axis=-1) == inside
    for g in np.flatnonzero(tied.any(axis=-1)):
        up_to[g] = np.searchsorted(below[g], inside[g], side="right")
    aucs = (under.sum(axis=-1) + up_to.sum(axis=-1)) / 2 / (members * others)
    return np.where(np.isnan(scores).any(axis=-1), np.nan, aucs)


def choose_a(
    ref_log_p: np.ndarray,
    ref_masks: np.ndarray,
    *,
    grid: tuple[float, ...] = A_GRID,
    models: np.ndarray | None = None,
    cache: dict[tuple[object, ...], np.ndarray] | None = None,
) -> float:
    """The offline ``a`` of the grid that attacks the reference models best.

    As Zarifzadeh et al. do offline: each reference model in turn (the first
    `MAX_PSEUDO_TARGETS`) plays the target, the other references its references, and the
    ``a`` with the highest AUC averaged over these pseudo-targets wins (ties: the
    smallest). Only reference models are read (their outputs and the masks the attacker
    trained them on), never the real target. Within one model the RMIA score is a
    monotone function of Pr(x | θ) / Pr(x), so the AUC of that ratio is the AUC of the
    attack.

    The paper's references train on data drawn apart from the target's; here the K models
    share one plan, each record IN for half of them, so a pseudo-target's members are the
    real target's non-members more often than its members, and their Pr(x) are made of
    the same reference outputs as the target's. Scored over all records, the ``a`` that
    best tells the pseudo-targets' members was the one that raised the target's
    non-members, and RMIA read less leakage than there is (AUC 0.472 at K=4, N=40; 0.490
    at K=8, N=100; 0.4965 at K=16, N=200, on outputs without any membership signal). So
    a pseudo-target's members are compared only with its non-members held by as many
    references (`_stratified_auc`: for a balanced plan, those of the same membership in
    the target), and its references are balanced as `rmia` balances a target's
    (``closed`` over the K-1 references, the models of the pseudo-target's own run). At
    K=4 no record then keeps an OUT reference for a pseudo-target, every ``a`` attacks
    them alike, and `DEFAULT_A` is used.

    Args:
        ref_log_p: [R, N] log-probability of the true class in each reference model.
        ref_masks: [R, N] bool membership of each sample in each reference model.
        grid: candidate values of ``a`` in [0, 1].
        models: [R] the references' indices among all the models, with ``cache``.
        cache: offline marginals [G, N] by the grid and the models they average (a
            pseudo-target's references), shared by the targets of one `rmia` call: target t with
            pseudo-target r and target r with pseudo-target t average the same models,
            so attacking every target computes each pair's once, not twice.

    Returns:
        The chosen ``a``: a grid's one value (``a`` fixed); `DEFAULT_A` when fewer than 2
        references can play the target, or when every ``a`` of the grid attacks them alike.
    """
    grid = _checked_grid(grid)
    if len(grid) == 1:  # (nothing to choose: DEFAULT_A was returned, a value not given)
        return float(grid[0])
    candidates = np.asarray(grid, dtype=np.float64)[:, None]  # [G, 1]
    cache = {} if cache is None else cache
    ref_log_p = np.asarray(ref_log_p)
    if ref_log_p.dtype.kind != "f":  # (floats kept as they are: the same AUCs, the same a)
        ref_log_p = as_scores(ref_log_p, where="choose_a", name="ref_log_p")
    masks = as_truth(ref_masks, where="choose_a", name="ref_masks")  # (2, -1: read as IN)
    if masks.ndim != 2 or masks.shape != ref_log_p.shape:
        raise DataError(f"choose_a: ref_log_p of shape {ref_log_p.shape} and ref_masks of shape "
                        f"{masks.shape}; give both as [R, N]: the true class's log-probability "
                        "and the membership of each sample in each reference model")  # fmt: skip
    if np.isnan(ref_log_p).any():  # (every a's AUC NaN: the grid's first was chosen)
        raise DataError("choose_a: ref_log_p holds NaN; give the references' log-probabilities "
                        "of the true class (-inf where a release withholds one)")  # fmt: skip
    closed = closed_records(masks)
    held = masks.sum(axis=0)  # [N] references holding each record
    strata = [np.flatnonzero(held == count) for count in np.unique(held)]
    aucs = []
    for r in range(min(len(ref_log_p), MAX_PSEUDO_TARGETS)):
        others = reference_models(len(ref_log_p), r)
        if len(others) == 0 or masks[r].all() or not masks[r].any():
            continue
        key = (grid, closed.tobytes(), *(others if models is None else models[others]).tolist())
        if key not in cache:
            log_out = _log_out_prob(ref_log_p[others], masks[others], closed)
            cache[key] = _offline_marginal(log_out, candidates)  # [G, N]
        auc = _stratified_auc(ref_log_p[r] - cache[key], masks[r], strata)
        if auc is not None:
            aucs.append(auc)
    if len(aucs) < 2:
        return DEFAULT_A
    mean_auc = np.mean(aucs, axis=0)
    return DEFAULT_A if np.ptp(mean_auc) == 0 else float(grid[int(np.argmax(mean_auc))])


def _checked_grid(grid: object) -> tuple[float, ...]:
    """``grid`` as a non-empty tuple of numbers in [0, 1] (hashable: `choose_a`'s cache keys
    hold it); a `ConfigError` otherwise: a list was a raw TypeError ('unhashable type'), and
    a candidate outside [0, 1] could be returned as the chosen ``a`` (2.0), silently."""
    try:
        values = np.asarray(grid, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.empty((0, 0))
    if values.ndim != 1 or values.size == 0:
        raise ConfigError(f"choose_a: grid={grid!r:.80}: give a non-empty sequence of "
                          "candidate values of a in [0, 1]")  # fmt: skip
    outside = values[~((values >= 0) & (values <= 1))]  # (NaN too)
    if outside.size:
        raise ConfigError(f"choose_a: grid holds {outside[0]}: each candidate a must lie in "
                          "[0, 1]")  # fmt: skip
    return tuple(grid) if isinstance(grid, tuple) else tuple(values.tolist())


def _stratified_auc(
    scores: np.ndarray, truth: np.ndarray, strata: list[np.ndarray]
) -> np.ndarray | None:
    """AUC of each row of ``scores`` [G, N] against ``truth`` [N] (`_auc`) counting only
    pairs of a member and a non-member of the same stratum (``strata``: the indices of
    each), each stratum weighted by its pairs; ``None`` when no stratum holds both kinds."""
    total, pairs = np.zeros(len(scores)), 0
    for inside in strata:
        members = int(truth[inside].sum())
        weight = members * (len(inside) - members)
        if weight:
            total += _auc(scores[:, inside], truth[inside]) * weight
            pairs += weight
    return total / pairs if pairs else None


def check_a(a: float | None) -> None:
    """Refuse an offline scaling ``a`` outside [0, 1] (`ConfigError`); also run by
    `mia_defense.config.check_config`, before the run directory is made."""
    if a is not None and not 0.0 <= a <= 1.0:
        raise ConfigError(f"attack rmia a={a}: must lie in [0, 1] (or null: chosen on the "
                          "reference models)")


def check_gamma(gamma: float) -> None:
    """Refuse a ``gamma`` that is no number in [1, `MAX_GAMMA`] (`ConfigError`), as the
    config's check does: called from Python, True passed as gamma 1, text and an integer
    beyond a float (10**400) were numpy's raw TypeError, and 1e10 made every score 0 (AUC
    0.5 on outputs that leak: a leak read as chance)."""
    real = isinstance(gamma, int | float | np.integer | np.floating) and not isinstance(
        gamma, bool | np.bool_)
    if not real or (isinstance(gamma, int | np.integer) and gamma > MAX_GAMMA):
        raise ConfigError(f"attack rmia gamma={gamma!r:.60}: must be a number in [1, "
                          f"{MAX_GAMMA}] (the paper uses 1-2)")  # fmt: skip
    if not 1.0 <= gamma < np.inf:  # NaN or inf: every score 0 or 1, a leak read as chance
        raise ConfigError(f"attack rmia gamma={gamma}: must be >= 1"
                          + ("" if gamma < 1.0 else " and finite"))
    if gamma > MAX_GAMMA:
        raise ConfigError(f"attack rmia gamma={gamma:g}: must be at most {MAX_GAMMA} (beyond, "
                          "no record's likelihood ratio beats a population sample's by it: "
                          "every score 0, a leak read as chance; the paper uses 1-2)")


@chooses("a", unless="online")  # (offline, each target's a: `choose_a`)
@requires_access("outputs")
def rmia(
    obs: Observations,
    targets: np.ndarray,
    *,
    online: bool = False,
    a: float | None = None,
    gamma: float = 1.0,
    num_z: int | None = None,
    seed: int = 0,
) -> Scores:
    """RMIA scores [T, N]: how often x's likelihood ratio beats population samples z.

    LR(x, z) = (Pr(x | θ) / Pr(x)) / (Pr(z | θ) / Pr(z)), with Pr(. | θ) the target's
    released probability of the true class and Pr(.) its average over the reference
    models (the other K-1 models, as many IN as OUT ones per sample); the score of x is
    the fraction of z with LR(x, z) > ``gamma``. The z are population samples (their
    membership in the target is never read), so comparing with them calibrates each
    target on its own scale. Within one target the score is monotone in
    Pr(x | θ) / Pr(x); across pooled targets and with few references it is what makes
    RMIA strong. Where samples keep different numbers of references (a user's unbalanced
    masks) the scores are then ranked among the samples that keep as many
    (`ranked_within_strata`).

    Args:
        obs: released outputs of all K models.
        targets: [T] indices of the target models.
        online: Pr(x) from IN and OUT references; offline (default) from the OUT
            references only, scaled by ``a``.
        a: offline scaling parameter in [0, 1] (1 uses the OUT average as is); ``None``
            chooses it for each target on its references (`choose_a`), as the paper does.
        gamma: threshold on the pairwise likelihood ratio (>= 1).
        num_z: how many population samples serve as z (``None``: all N).
        seed: drives the choice of z.

    Returns:
        `Scores` [T, N]; offline, ``chosen["a"]`` [T] holds the ``a`` used for each target.
    """
    check_kinds("rmia", online=online, a=a, num_z=num_z, seed=seed)
    check_a(a)
    check_gamma(gamma)
    if num_z is not None and not num_z >= 1:  # 0: every score NaN
        raise ConfigError(f"attack rmia num_z={num_z}: must be >= 1 (or null: all population "
                          "samples)")
    targets = checked_targets(targets, obs.num_models, where="rmia")
    require_references("rmia", obs.num_models)
    log_p = true_class_log_prob(obs.log_probs, obs.labels).astype(np.float64)  # [K, N]
    num_samples = log_p.shape[1]
    z = np.arange(num_samples)
    if num_z is not None and num_z < num_samples:
        z = np.sort(np.random.default_rng(seed).choice(num_samples, num_z, replace=False))
        # (num_z=10: 85 of 4,000 non-member scores tied at the top, TPR 0 at 0.1% and 1%
        # FPR, which the run's note put down to coarse outputs and too few models)
        cause, instead = _few_z_words(num_z, num_samples)
        log.warning(
            "rmia %s, so about 1 in %d records of a target share its highest score: below an "
            "FPR of about %s%% its TPR is that at FPR 0 (0 where those tied include a "
            "non-member); set num_z null %s",
            cause, num_z + 1, f"{100 / (num_z + 1):.2g}", instead,
        )
    scores = np.empty((len(targets), num_samples))
    chosen = np.full(len(targets), np.nan)
    closed = closed_records(obs.masks)
    marginals: dict[tuple[object, ...], np.ndarray] = {}  # choose_a's, shared by the targets
    for row, t in enumerate(targets):
        refs = reference_models(obs.num_models, t)
        if not online and a is None:
            chosen[row] = choose_a(log_p[refs], obs.masks[refs], models=refs, cache=marginals)
        elif not online:
            chosen[row] = a
        marginal = _log_marginal(log_p[refs], obs.masks[refs], online=online, a=chosen[row],
                                 closed=closed)
        log_ratio = log_p[t] - marginal
        ratio_z = np.sort(log_ratio[z])
        # fraction of z with log_ratio(x) - log_ratio(z) > log(gamma)
        beaten = np.searchsorted(ratio_z, log_ratio - np.log(gamma), side="left") / len(z)
        weights = balanced_references(obs.masks[refs], closed=closed)
        scores[row] = ranked_within_strata(beaten, *weights, np.random.default_rng([seed, t]))
    return Scores(scores, {} if online else {"a": chosen})
