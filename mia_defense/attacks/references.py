"""The reference models of a target, with as many IN as OUT models of every sample."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics.inputs import as_integer, as_scores, as_truth
from mia_defense.observations import MissingObservationError

__all__ = [
    "DEFAULT_MAX_TARGETS",
    "balanced_references",
    "check_calibration",
    "check_kinds",
    "checked_targets",
    "closed_records",
    "ranked_within_strata",
    "reference_models",
    "require_references",
    "scored_against_references",
    "strata_of_one_kind",
    "target_models",
]

# Models attacked in turn when attack.num_targets is null. Each target is attacked with the
# K-1 others as references, so attacking every model costs K times the per-target work:
# beyond 16 targets (16·N scored pairs) that buys narrower intervals at quadratic cost.
DEFAULT_MAX_TARGETS = 16


def check_calibration(attack: str, calibration: str) -> None:
    """Refuse a ``calibration`` other than ``global`` (one threshold for all samples) and
    ``reference`` (each sample's own, from the reference models) for ``attack`` (label_only,
    gradient_norm), as a `ConfigError`; also run by `mia_defense.config.check_config`,
    before the run directory is made."""
    if calibration not in ("global", "reference"):
        raise ConfigError(
            f"attack {attack} calibration={calibration!r}: choose from ('global', 'reference')"
        )


def target_models(num_models: int, num_targets: int | None) -> np.ndarray:
    """[T] indices of the models attacked in turn: the first ``num_targets`` of the K
    (``None``: every model, at most `DEFAULT_MAX_TARGETS`)."""
    count = min(num_models, DEFAULT_MAX_TARGETS) if num_targets is None else num_targets
    return np.arange(count)


def checked_targets(targets: object, num_models: int, *, where: str = "") -> np.ndarray:
    """``targets`` as [T] distinct model indices in [0, K); a `ConfigError` otherwise, its
    message opening with ``where`` (the attack called with them) where given. A negative
    index named a model the attacks then kept among its own references (LiRA online AUC
    0.70 on outputs without any signal, target -1 of 8), or the last model (the loss
    attack: numpy's index -1), a float 0.5 model 0 (int() of it) and [True, False] models 1
    and 0; a repeated one counted the same decisions twice (narrower intervals, a higher ε
    bound)."""
    said = f"{where}: " if where else ""
    try:
        given = np.asarray(targets)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{said}targets: not an array ({str(exc)[:80]}); give the attacked "
                          f"models as a non-empty list of model indices in [0, {num_models})"
                          ) from None
    if given.ndim != 1 or len(given) == 0 or given.dtype == bool or not (
        np.issubdtype(given.dtype, np.integer)
    ):
        raise ConfigError(f"{said}targets={given.tolist()!r:.80}: give the attacked models as a "
                          f"non-empty list of model indices in [0, {num_models})")
    outside = given[(given < 0) | (given >= num_models)]
    if where and outside.size:  # (reference_models' words, which the attacks said before)
        raise ConfigError(f"{said}target model {outside[0]} is not one of the {num_models} "
                          f"models (an index in [0, {num_models})); give targets as distinct "
                          "model indices")  # fmt: skip
    if outside.size or len(np.unique(given)) != len(given):
        raise ConfigError(f"{said}targets={given.tolist()!r:.80}: each target must be a "
                          f"distinct model index in [0, {num_models}) (the observations' models)")
    return given


def check_kinds(attack: str, **settings: object) -> None:
    """Refuse an attack's setting of the wrong kind (`ConfigError` naming it), called from
    Python without the config's checks: ``online``, ``augmented`` and ``fixed_variance``
    must be True or False (``fixed_variance`` also None: the text 'no' read as True, an
    online attack), ``seed`` an integer >= 0 (numpy's raw errors from inside), ``folds``
    one >= 2 (2.5 split the models into fractional folds), ``max_train_samples`` >= 1,
    ``num_z`` an integer or None, ``a`` a number or None (their ranges are the attack's)."""
    for name, value in settings.items():
        if name in ("online", "augmented", "fixed_variance"):
            if isinstance(value, bool | np.bool_) or (name == "fixed_variance" and value is None):
                continue
            need = "True or False" + (" (or None)" if name == "fixed_variance" else "")
        elif name == "a":
            # (not np.number: numpy's complex 0.5+2j passed, its imaginary part dropped)
            if value is None or (isinstance(value, int | float | np.integer | np.floating)
                                 and not isinstance(value, bool)):  # fmt: skip
                continue
            need = "a number in [0, 1] (or None)"
        elif name == "num_z" and value is None:
            continue
        else:
            low = {"seed": 0, "folds": 2, "max_train_samples": 1, "num_z": None}[name]
            as_integer(value, key=f"attack {attack} {name}", low=low,
                       note="or None" if name == "num_z" else "")  # fmt: skip
            continue
        raise ConfigError(f"attack {attack} {name}={value!r}: must be {need}")


def reference_models(num_models: int, target: int) -> np.ndarray:
    """[K-1] indices of every model but ``target``: the references a target is attacked with.

    A ``target`` outside [0, K) (-1, say) is refused: every model, the target included,
    would be its own reference, and its membership would show in its scores."""
    if not 0 <= target < num_models:
        raise ValueError(f"target model {target} is not one of the {num_models} models "
                         f"(an index in [0, {num_models}))")
    return np.flatnonzero(np.arange(num_models) != target)


def require_references(attack: str, num_models: int) -> None:
    """A `MissingObservationError` (run_attacks skips the attack with its line) where the
    ``num_models`` observed leave a target no other model to compare with: at K=1 RMIA
    stopped run_attacks with numpy's 'zero-size array to reduction operation maximum', and
    Shokri said its shadow models '[]' trained on every record."""
    if num_models >= 2:
        return
    raise MissingObservationError(
        f"attack {attack} needs the outputs of models besides the target (its reference "
        f"models), and these observations hold {num_models} model; give observations of "
        "K >= 2 models (16 or more measure the leak), or leave it out with "
        f"'~attack.attacks.{attack}'"
    )


def closed_records(masks: np.ndarray) -> np.ndarray:
    """[N] bool: the samples IN for some of the K models and OUT for another ([K, N] masks).
    For such a sample, references that lack one kind give the target's membership away
    (`balanced_references`)."""
    members = np.asarray(masks, dtype=bool)
    return members.any(axis=0) & (~members).any(axis=0)


def balanced_references(
    ref_masks: np.ndarray, *, strict: bool = False, closed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """IN and OUT weights [R, N] (float 0/1) keeping the same number of each per sample.

    When every sample trains exactly half of the K models, the K-1 references of a target
    hold K/2-1 IN and K/2 OUT models of a member, and K/2 IN and K/2-1 OUT models of a
    non-member. Statistics over fewer references are noisier, so unequal counts make the
    calibrated scores of members and non-members differ even where outputs carry no
    membership signal (LiRA online: AUC 0.41 at K=4; offline attacks: a thinner tail of
    members at low FPR). Keeping, per sample, m = min(#IN, #OUT) references of each kind
    gives m IN and m OUT references whatever the target's own membership, reading only the
    references' masks. Which m of the more numerous kind a sample keeps rotates with its
    index (`_rotated`): keeping the first m in model order always dropped the last models,
    so members were calibrated on other models than non-members, and models of unequal
    overall confidence leaned the attacks (LiRA online AUC 0.441 at K=4 with a per-model
    shift of the true-class logit of sd 1, on outputs without any membership signal).
    A sample without any reference of one kind (m = 0, only with very few or unbalanced
    references) keeps all its references (per-sample calibration then falls back on
    averages), or none when ``strict`` or when the sample is ``closed``.

    A ``closed`` sample is IN for some of the observations' models and OUT for another,
    target included (`closed_records`; every sample of a checked `Observations`). For it,
    the kind its references lack IS the target's membership: all references OUT means the
    target trained on it. Keeping the references of the other kind then hands the truth to
    the attacks (K=2, where the one reference trains on exactly the records the target
    does not: LiRA online AUC 0.73 and label-only TPR 0.26 at 0.1% FPR on outputs without
    any membership signal, and a sound ε=0.5 DP claim "refuted"), so it keeps none.

    A closed sample whose references hold as many IN as OUT models (only for K odd, R
    even) keeps one of each fewer. Its K models then hold one more of the target's kind,
    and with the other membership the target would have had m-1 of the rarer kind: with
    two of five models IN, a member's references hold 1 IN and 3 OUT, a non-member's 2
    and 2, and keeping 1 and 2 of each made members' calibrations the noisier ones (LiRA
    offline TPR 0.166 at 1% FPR at K=3, RMIA AUC 0.43; at K=5 LiRA online 0.034, on
    outputs without any membership signal). Every sample whose IN and OUT counts over the
    K models differ by at most one (every balanced plan, odd K included) so gets the same
    m whatever the target's membership; counts further apart (a user's unbalanced masks)
    cannot, from the references' masks alone: their scores are made comparable by
    `ranked_within_strata`.

    Args:
        ref_masks: [R, N] bool membership of each sample in each reference model.
        strict: keep no reference of a sample that lacks one kind: for rows that train an
            attack model, whose member rate per sample must not depend on the target.
        closed: [N] bool, the samples whose missing kind would reveal the target's
            membership (`closed_records` of the masks of all K models); ``None``: none.

    Returns:
        (in_weights, out_weights): [R, N] float64 each, disjoint.
    """
    masks = as_truth(ref_masks, where="balanced_references", name="ref_masks")
    if masks.ndim != 2:  # (a mask of 2, -1 or NaN was read as IN; [N] numpy's IndexError)
        raise DataError(f"balanced_references: ref_masks of shape {masks.shape}; give [R, N] "
                        "bool membership of each sample in each reference model")  # fmt: skip
    if closed is not None:
        closed = as_truth(closed, where="balanced_references", name="closed")
        if closed.shape != masks.shape[1:]:
            raise DataError(f"balanced_references: closed of shape {closed.shape}; give [N] = "
                            f"[{masks.shape[1]}] bool, one per column of ref_masks")  # fmt: skip
    members, others = masks.sum(axis=0), (~masks).sum(axis=0)
    keep = np.minimum(members, others)  # [N]
    if closed is not None:
        keep = np.where(closed & (members == others), keep - 1, keep)
        keep = np.maximum(keep, 0)
    if not strict:
        open_ = np.ones(keep.shape, bool) if closed is None else ~closed
        keep = np.where((keep > 0) | ~open_, keep, masks.shape[0])
    in_weights, out_weights = _rotated(masks, keep), _rotated(~masks, keep)
    return in_weights.astype(np.float64), out_weights.astype(np.float64)


def _rotated(kind: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """[R, N] bool: ``keep`` [N] of the references marked in ``kind`` [R, N], per sample n
    taken cyclically in model order from its (n mod count)-th one, so which references a
    sample keeps does not follow the models' order (see `balanced_references`)."""
    count = np.maximum(kind.sum(axis=0), 1)
    rank = np.cumsum(kind, axis=0, dtype=np.int32) - 1  # 0-based rank of each marked reference
    # (rank - start) mod count without a division per element: where ``kind`` holds, rank
    # and start both lie in [0, count), so their difference is off by at most one count
    ahead = rank - (np.arange(kind.shape[1]) % count).astype(np.int32)
    ahead += count.astype(np.int32) * (ahead < 0)
    return kind & (ahead < keep)


def ranked_within_strata(
    scores: np.ndarray, in_weights: np.ndarray, out_weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """[N] one target's ``scores`` made comparable across samples that keep different
    numbers of references (``in_weights``, ``out_weights`` [R, N] of `balanced_references`).

    A statistic over few references is noisier, so even without any membership signal
    its spread and location depend on how many a sample keeps. With a user's unbalanced
    masks that number varies, and with the target's membership: a record IN for few of the
    K models keeps one reference of each kind fewer when the target trained on it (none at
    all when it is IN for one), and records IN for few models are mostly non-members.
    Pooled as they were, the wider scores put members or non-members in the tails: with
    each record IN for each of K=8 models with probability 0.25, TPR at 1% FPR 0.033 (LiRA
    offline) and 0.036 (RMIA) on outputs without any membership signal, 3.5 times chance.
    So each score becomes its rank among the samples that keep as many references of each
    kind (a stratum), ties broken and steps filled by ``rng``'s uniform draws: (rank - u)/n,
    uniform on (0, 1) in every stratum when members' and non-members' scores are alike.
    Only the references' masks are read. With one stratum (every balanced plan, where
    `balanced_references` keeps as many references of every sample) the scores are
    returned as they are.

    Scores given as a list are read as an array; scores not [N], weights not [R, N] of the
    same N, or an ``rng`` that is no `numpy.random.Generator` are refused naming this
    function (numpy's raw IndexError, broadcasting or AttributeError before).
    """
    said = "ranked_within_strata"
    scores, in_weights, out_weights = (
        given if given.dtype.kind == "f" else as_scores(given, where=said, name=name)
        for given, name in ((np.asarray(scores), "scores"), (np.asarray(in_weights), "in_weights"),
                            (np.asarray(out_weights), "out_weights")))  # fmt: skip
    if scores.ndim != 1 or in_weights.ndim != 2 or in_weights.shape != out_weights.shape or (
            in_weights.shape[1] != len(scores)):  # fmt: skip
        raise DataError(f"{said}: scores of shape {scores.shape}, in_weights {in_weights.shape} "
                        f"and out_weights {out_weights.shape}; give one target's scores [N] and "
                        "the [R, N] weights of balanced_references")  # fmt: skip
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"{said}: rng={rng!r:.60}: give a numpy Generator "
                          "(numpy.random.default_rng(seed))")  # fmt: skip
    kept = np.stack([in_weights.sum(axis=0), out_weights.sum(axis=0)])  # [2, N]
    stratum = np.unique(kept, axis=1, return_inverse=True)[1].ravel()
    if stratum.max(initial=0) == 0:
        return scores
    tie_order, fill = rng.random((2, *scores.shape))
    ranked = np.full(scores.shape, np.nan)  # a NaN score stays NaN
    for s in range(stratum.max() + 1):
        inside = np.flatnonzero((stratum == s) & ~np.isnan(scores))
        ranks = np.empty(len(inside))
        ranks[np.lexsort((tie_order[inside], scores[inside]))] = np.arange(1, len(inside) + 1)
        ranked[inside] = (ranks - fill[inside]) / len(inside)
    return ranked


def strata_of_one_kind(
    masks: np.ndarray, targets: np.ndarray, records: np.ndarray | None = None
) -> bool:
    """Whether, for every target of ``targets`` ([K, N] ``masks``), `ranked_within_strata`
    ranks the scores of ``records`` ([N] bool; ``None``: all) in strata of its members alone
    and of its non-members alone: then each kind's ranks are uniform whatever the leak, and
    the attacks that rank so (`scored_against_references`, `rmia`) measure nothing.

    So it is with masks that put every record into the same number a != K/2 of the K models
    (K=8, a=1, 2 or 3, or 7 of 8: LiRA, RMIA and calibrated label-only read AUC 0.500 on
    outputs where the loss attack reads 0.77): a target's references then hold a - 1 IN
    models of each member and a of each non-member, and the strata follow the count.
    ``False`` where a target's records keep one stratum (scores not ranked) or one holds both
    kinds. Reads the targets' masks: for the judge (`mia_defense.attacks.runner`), never for
    an attack."""
    masks = np.asarray(masks, dtype=bool)
    keep = np.ones(masks.shape[1], bool) if records is None else np.asarray(records, bool)
    closed = closed_records(masks)
    for t in targets:
        in_w, out_w = balanced_references(masks[reference_models(len(masks), int(t))],
                                          closed=closed)  # fmt: skip
        kept = np.stack([in_w.sum(axis=0), out_w.sum(axis=0)])[:, keep]  # [2, judged]
        strata, stratum = np.unique(kept, axis=1, return_inverse=True)
        if strata.shape[1] < 2:
            return False
        member = masks[t, keep]
        both = np.bincount(stratum.ravel(), weights=member, minlength=strata.shape[1])
        size = np.bincount(stratum.ravel(), minlength=strata.shape[1])
        if ((both > 0) & (both < size)).any():
            return False
    return True


def scored_against_references(
    signal: np.ndarray, masks: np.ndarray, targets: np.ndarray, *, seed: int,
    score: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:  # fmt: skip
    """[T, N] scores of each target t of ``targets`` against its references (every other of
    the K models, [K, ..., N] ``signal`` and [K, N] ``masks``): ``score(signal[t],
    signal[refs], in_weights, out_weights)`` [N] with the weights of `balanced_references`,
    ranked by `ranked_within_strata` with ``numpy.random.default_rng([t, seed])``."""
    scores = np.empty((len(targets), signal.shape[-1]))
    closed = closed_records(masks)
    for row, t in enumerate(targets):
        refs = reference_models(len(masks), t)
        weights = balanced_references(masks[refs], closed=closed)
        scores[row] = ranked_within_strata(score(signal[t], signal[refs], *weights), *weights,
                                           np.random.default_rng([t, seed]))  # fmt: skip
    return scores
