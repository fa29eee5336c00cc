"""Per-sample signals computed from released log-probabilities (pure numpy)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import logsumexp

from mia_defense.errors import DataError

__all__ = [
    "SIGNALS",
    "SIGNAL_CLIP",
    "confidence",
    "negative_entropy",
    "negative_modified_entropy",
    "per_model",
    "query_signals",
    "true_class_log_prob",
    "true_class_logit",
]

# Released outputs may hold exact 0/1 probabilities (label-only, rounding): the signals
# are clipped to a finite range so means and variances stay defined.
SIGNAL_CLIP = 50.0


def _labels(log_probs: np.ndarray, labels: object, where: str) -> np.ndarray:
    """``labels`` [N] as class indices of ``log_probs`` [..., N, C]; a `DataError` naming
    ``where`` otherwise: a label -1 read the last class's entry (a silently wrong signal),
    others were numpy's IndexError or broadcasting error from inside."""
    given = np.asarray(labels)
    shape = log_probs.shape
    if given.dtype == bool or given.dtype.kind not in "iu" or given.shape != shape[-2:-1]:
        raise DataError(f"{where}: labels of dtype {given.dtype} and shape {given.shape}; give "
                        f"[N] = [{shape[-2] if len(shape) > 1 else '?'}] integer classes, one "
                        "per row of log_probs [..., N, C]")  # fmt: skip
    if given.size and (given.min() < 0 or given.max() >= shape[-1]):
        bad = given[(given < 0) | (given >= shape[-1])][0]
        raise DataError(f"{where}: labels hold {bad}, not a class of log_probs' {shape[-1]} "
                        f"(an index in [0, {shape[-1]}))")  # fmt: skip
    return given


def _pick(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The true class's entry of every row. [..., N, C], [N] -> [..., N]."""
    index = np.broadcast_to(labels[:, None], (*log_probs.shape[:-1], 1))
    return np.take_along_axis(log_probs, index, axis=-1)[..., 0]


def true_class_log_prob(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """log p_y, i.e. minus the cross-entropy loss. [..., N, C], [N] -> [..., N].

    Where float rounding makes log p_y exactly 0 (float32 does once p_y is within 6e-8 of
    1) it is log(1 - the other classes' mass), from their released log-probabilities, as
    `true_class_logit` computes it: otherwise every such output tied at the top, members
    and non-members alike (an overfit MLP on digits, train.epochs=200 train.lr=0.01: 31%
    of its outputs), and the loss attack read TPR 0 at 10% FPR at AUC 0.548. Where the
    others are withheld or exactly 0 (label-only, top-k, rounded releases), or hold more
    than the float's rounding (a rounded release's 0.01 beside its 1.00), it stays 0.
    """
    labels = _labels(log_probs, labels, "true_class_log_prob")
    log_p = _pick(log_probs, labels)
    rounded = log_p == 0
    if rounded.any():
        onehot = np.zeros(log_probs.shape[-2:], dtype=bool)
        onehot[np.arange(len(labels)), labels] = True
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = np.exp(logsumexp(np.where(onehot, -np.inf, log_probs), axis=-1)
                          .astype(np.float64))  # fmt: skip
        # only a mass within the rounding error of a float sum of C terms near 1 (C eps):
        # the others of a rounded release (0.01 beside a released 1.00) are no such error
        rounded &= rest < log_probs.shape[-1] * np.finfo(log_p.dtype).eps
        log_p = np.where(rounded, np.log1p(-np.where(rounded, rest, 0.0)).astype(log_p.dtype),
                         log_p)  # fmt: skip
    return np.clip(log_p, -SIGNAL_CLIP, 0.0)


def true_class_logit(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Logit-scaled confidence log(p_y / (1 - p_y)), computed stably (Carlini et al. 2022).

    ``log(1 - p_y)`` is the log-sum-exp of the other classes' log-probabilities, which
    keeps precision when p_y is within float rounding of 1. Where the release withholds
    other classes (``-inf``: top-k, rounding), their mass is ``1 - p_y`` minus the released
    others': the larger of the two is taken (the released others alone made every correct
    top-1 answer +``SIGNAL_CLIP`` whatever its p_y, and LiRA blind under ``release=topk``).
    [..., N, C], [N] -> [..., N].
    """
    labels = _labels(log_probs, labels, "true_class_logit")
    onehot = np.zeros(log_probs.shape[-2:], dtype=bool)
    onehot[np.arange(len(labels)), labels] = True
    log_p = _pick(log_probs, labels)
    others = np.where(onehot, -np.inf, log_probs)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rest = logsumexp(others, axis=-1)
        withheld = (np.isneginf(others) & ~onehot).any(axis=-1)
        logit = _clipped_in_order(np.nan_to_num(log_p - log_rest, nan=0.0))
        if withheld.any():  # log(1 - p_y), from p_y itself
            total = np.log1p(-np.exp(np.minimum(log_p.astype(np.float64), 0.0)))
            log_rest = np.where(withheld, np.maximum(log_rest, total), log_rest)
            wide = _clipped_in_order(np.nan_to_num(log_p - log_rest, nan=0.0))
            # a model (the [N] rows of one leading index) with a row withheld answers in
            # float64 (a float32 one's -inf at -50, not -49.98), one without in its dtype,
            # as when called one model at a time (`per_model`'s blocks give its figures)
            logit = np.where(withheld.any(axis=-1, keepdims=True), wide, logit)
    return logit


# Released float32 log-probabilities give log-odds up to twice float32's max: the squeeze
# divides their log by more, so they stay below SIGNAL_CLIP (float64 ones beyond: at it).
_SQUEEZE = math.log(2.0 * float(np.finfo(np.float32).max)) + 1.0


def _clipped_in_order(logit: np.ndarray) -> np.ndarray:
    """``logit`` clipped to +-`SIGNAL_CLIP` (an exact 0/1 probability, +-inf, at the clip),
    finite values beyond ``SIGNAL_CLIP - 1`` squeezed below it in their order (log-scaled)
    instead of tied at it, so that saturated outputs (features used unscaled) still rank
    for LiRA. Values within +-(SIGNAL_CLIP - 1) are unchanged."""
    knee = SIGNAL_CLIP - 1.0
    size = np.abs(logit)
    beyond = np.isfinite(size) & (size > knee)
    if beyond.any():
        squeezed = knee + np.log1p(np.where(beyond, size - knee, 0.0)) / _SQUEEZE
        logit = np.where(beyond, np.sign(logit) * squeezed, logit).astype(logit.dtype)
    return np.clip(logit, -SIGNAL_CLIP, SIGNAL_CLIP)


def confidence(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """p_y, the released probability of the true class. [..., N, C], [N] -> [..., N].

    In float64: in float32 every p_y within 6e-8 of 1 is 1, tied again after
    `true_class_log_prob` told them apart (float64 holds them to 1e-16 of 1; the loss,
    log p_y, tells apart those closer still).
    """
    return np.exp(true_class_log_prob(log_probs, labels).astype(np.float64))


def negative_entropy(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Minus the prediction entropy (Salem et al. 2019): members get peaked outputs.

    [..., N, C], [N] -> [..., N]; ``labels`` is unused (the signal ignores the label).
    """
    probs = np.exp(log_probs)
    plogp = np.where(probs > 0, probs * np.clip(log_probs, -SIGNAL_CLIP, 0.0), 0.0)
    return plogp.sum(axis=-1)


def negative_modified_entropy(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Minus the modified entropy of Song & Mittal (2021), which uses the true label.

    Mentr = -(1 - p_y) log p_y - sum_{i != y} p_i log(1 - p_i): low for a confident
    correct prediction, high for a confident wrong one. [..., N, C], [N] -> [..., N].

    In float64, (1 - p_y) log p_y from `true_class_log_prob` (as -expm1(log p_y) log p_y):
    in float32 both terms of a confident answer (about -p^2 for the others' mass p) were
    0 once p fell below 3e-23, and 43 of 400 non-members of an overfit MLP on
    breast_cancer tied at the top with 48 members (the loss attack: 1 and 0), so the
    attack read TPR 0 at 1% and 10% FPR at AUC 0.54.
    """
    labels = _labels(log_probs, labels, "negative_modified_entropy")
    probs = np.exp(log_probs.astype(np.float64))
    onehot = np.zeros(log_probs.shape[-2:], dtype=bool)
    onehot[np.arange(len(labels)), labels] = True
    log_p_y = true_class_log_prob(log_probs, labels).astype(np.float64)  # in [-50, 0]
    own = -np.expm1(log_p_y) * log_p_y  # (1 - p_y) log p_y at the true class
    with np.errstate(divide="ignore"):
        log_1mp = np.clip(np.log1p(-np.minimum(probs, 1.0)), -SIGNAL_CLIP, 0.0)
    other = np.where(onehot, 0.0, probs * log_1mp).sum(axis=-1)  # p_i log(1 - p_i) elsewhere
    return own + other


# per_model's block: the models whose N·C values make at most this many (8 MiB of float64;
# each signal's few temporaries are that size), so that K=10,000 tiny models are a few
# numpy calls each, not 10,000 (h442: 60,000 logsumexp calls, 16 s of a 33 s api.audit).
_BLOCK_CELLS = 2**20


def per_model(
    signal: Callable[[np.ndarray, np.ndarray], Any],
    log_probs: np.ndarray,
    labels: np.ndarray,
    models: Sequence[int] | np.ndarray | None = None,
) -> Any:
    """``signal`` of a block of models at a time: [K, N, C], [N] -> [M, N] for ``models``
    (all K); ``signal`` takes [..., N, C] and works row by row (as every signal here). A
    ``signal`` giving a tuple of arrays (`query_signals`) gives a tuple of [M, N] arrays.

    The signals build several temporaries the size of their input; a block holds at most
    `_BLOCK_CELLS` values, not K·N·C (at K=64, N=50,000, C=100 each would be 1.3 GB; a model
    beyond the block is one block of its own), and ``log_probs[models]`` is copied a block
    at a time. The values are those of ``signal`` on the whole array, bit for bit.
    """
    step = max(_BLOCK_CELLS // max(math.prod(log_probs.shape[1:]), 1), 1)
    if models is None:
        blocks = [log_probs[a : a + step] for a in range(0, len(log_probs), step)]
    else:
        index = np.asarray(models, dtype=np.intp).reshape(-1)
        blocks = [log_probs[index[a : a + step]] for a in range(0, len(index), step)]
    if not blocks:
        return signal(log_probs[:0], labels)
    parts = [signal(block, labels) for block in blocks]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(part) for part in zip(*parts, strict=True))
    return np.concatenate(parts)


def query_signals(log_probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the attacks read of a query: `true_class_logit` (LiRA) and the predicted label
    (label-only), [..., N, C], [N] -> ([..., N] float, [..., N] unsigned int).

    The observations keep these instead of the released outputs of the augmented queries
    (`mia_defense.observations.Observations.augmented_logits`).
    """
    label_type = np.min_scalar_type(max(log_probs.shape[-1] - 1, 0))
    return true_class_logit(log_probs, labels), log_probs.argmax(axis=-1).astype(label_type)


# Threshold-attack signals, higher = more likely a member.
SIGNALS = {
    "loss": true_class_log_prob,
    "confidence": confidence,
    "entropy": negative_entropy,
    "modified_entropy": negative_modified_entropy,
}
