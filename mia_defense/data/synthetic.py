"""Generated stand-ins for Purchase100 and Texas100: zero-download, deterministic from a seed.

Both are sparse binary feature vectors with 100 classes and few samples per class, which is
what makes the real datasets the standard overfitting benchmarks for membership inference.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from mia_defense.budget import FLOPS, MAX_HOURS
from mia_defense.constraints import as_integer, is_integer, shown
from mia_defense.data.checks import check_seed
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import check_memory
from mia_defense.errors import ConfigError
from mia_defense.seeding import numpy_rng

__all__ = [
    "check_purchase_like",
    "check_texas_like",
    "kmeans_labels",
    "known_input",
    "make_purchase_like",
    "make_texas_like",
]

log = logging.getLogger(__name__)


# Peak bytes per feature value while a task is generated (measured: 28 for purchase_like,
# 12 for texas_like): the float32 draws, the float64 probabilities gathered per sample, the
# mask, the float32 features, and k-means' float64 copy and work arrays (purchase_like).
_BYTES_PER_VALUE = 28
# Peak bytes per (sample, cluster) pair of purchase_like's k-means (`kmeans_labels`): the
# float64 distances [N, C] and the temporaries that compute them, and the one-hot [N, C]
# that sums each cluster's rows.
_KMEANS_BYTES = 32
# Lloyd iterations `kmeans_labels` runs at most.
_KMEANS_ITERATIONS = 100
# A k-means whose arithmetic would take longer than this at a typical CPU rate (measured
# here: 1-2e10/s in float64 on 2 cores) is announced before it starts.
_KMEANS_ANNOUNCED_SECONDS = 60.0
_TYPICAL_FLOPS = 1e10
# texas_like's per-class draws, one Python step each (measured: 75 µs a class on 2 cores).
_TEXAS_SECONDS_PER_CLASS = 1e-4


def known_input(name: str, settings: Mapping[str, Any]) -> tuple[tuple[int, ...], int] | None:
    """The input shape [num_features] and classes of ``make_purchase_like`` or
    ``make_texas_like`` with their config ``settings`` (the dataset node), where both are
    given as integers: the config check builds the model on them before generating."""
    if name not in ("make_purchase_like", "make_texas_like"):
        return None
    features, classes = settings.get("num_features"), settings.get("num_classes")
    return ((features,), classes) if type(features) is int and type(classes) is int else None


def _check_sizes(name: str, *, num_samples: int, num_features: int, num_classes: int,
                 seed: int) -> None:
    """Refuse sizes that are not integers, too small to learn, or past the memory budget
    (``num_samples=1000000000`` allocated until the machine swapped), and a seed that is
    no integer >= 0."""
    check_seed(seed)
    as_integer(num_samples, key="dataset.num_samples", low=None, note=f"the rows of {name}")
    as_integer(num_features, key="dataset.num_features", low=10, note=name)
    as_integer(num_classes, key="dataset.num_classes", low=2, note=name)
    if num_samples < 2 * num_classes:
        raise ConfigError(
            f"dataset.num_samples={shown(num_samples)}: must be >= 2 * num_classes "
            f"({shown(2 * num_classes)}) for {name}, with dataset.num_classes="
            f"{shown(num_classes)}; raise dataset.num_samples or lower dataset.num_classes"
        )
    check_memory(
        _BYTES_PER_VALUE * int(num_samples) * int(num_features),
        source=f"dataset.num_samples={shown(num_samples)}, "
               f"dataset.num_features={shown(num_features)}",
        what=f"generating {name}",
    )


def _check_within(key: str, value: object, low: int, high: int, bound: str) -> None:
    """A `ConfigError` naming ``dataset.<key>`` unless ``value`` is an integer in [low, high]
    (from Python, 2.5 or -5 reached numpy: a TypeError or 'negative dimensions' traceback,
    and num_profiles=0 fell back to num_classes unsaid), and the setting ``bound`` that sets
    ``high`` (purchase_like's dataset.num_features=10 was refused as 'dataset.basket_size=40:
    must lie in [1, 10]', naming the default basket alone)."""
    if not is_integer(value, low=low, high=high):
        raise ConfigError(f"dataset.{key}={shown(value)}: must lie in [{low}, {shown(high)}]"
                          + ("" if is_integer(value) else " (an integer)") + f" ({bound})")


def make_purchase_like(
    *,
    num_samples: int = 10000,
    num_features: int = 600,
    num_classes: int = 100,
    num_profiles: int | None = None,
    basket_size: int = 40,
    seed: int = 0,
) -> Dataset:
    """A Purchase100-like task, built the way Shokri et al. (2017) built Purchase100.

    Customers are binary vectors of "bought product j"; labels come from k-means clustering
    of those vectors into ``num_classes`` clusters, as in the original construction
    (`kmeans_labels`: exact, so the same seed gives the same labels on every machine). The
    customers are drawn from ``num_profiles`` shopping profiles (a popular-product background
    plus a profile-specific basket), so the clusters are real structure, not noise.

    Args:
        num_samples: customers N.
        num_features: products D (600 in Purchase100).
        num_classes: k-means clusters C (100 in Purchase100).
        num_profiles: latent shopping profiles, 1 to N; ``None`` uses ``num_classes``.
        basket_size: products a profile favours.
        seed: the run's seed; the same seed gives the same bytes.
    """
    check_purchase_like(num_samples=num_samples, num_features=num_features,
                        num_classes=num_classes, num_profiles=num_profiles,
                        basket_size=basket_size, seed=seed)
    profiles = num_classes if num_profiles is None else num_profiles
    rng = numpy_rng(seed, "dataset/purchase_like")
    popularity = rng.beta(0.6, 12.0, size=num_features)  # most products are rarely bought
    probs = np.tile(popularity * 0.5, (profiles, 1))
    for p in range(profiles):
        basket = rng.choice(num_features, size=basket_size, replace=False)
        probs[p, basket] = rng.uniform(0.15, 0.6, size=basket_size)
    weights = rng.dirichlet(np.full(profiles, 5.0))
    profile = rng.choice(profiles, size=num_samples, p=weights)
    x = (rng.random((num_samples, num_features), dtype=np.float32) < probs[profile]).astype(
        np.float32
    )
    seconds = _kmeans_flops(num_samples, num_features, num_classes)[1] / _TYPICAL_FLOPS
    if seconds > _KMEANS_ANNOUNCED_SECONDS:  # (num_samples=50000 num_classes=2000: 25 min, unsaid)
        log.warning("purchase_like: labelling %d samples of %d features with k-means into %d "
                    "clusters may take up to %s on a CPU (k-means++ seeds, then at most %d "
                    "iterations); fewer dataset.num_classes, num_samples or num_features is "
                    "faster", num_samples, num_features, num_classes, _duration(seconds),
                    _KMEANS_ITERATIONS)
    y = kmeans_labels(x, num_classes, numpy_rng(seed, "dataset/purchase_like/kmeans"))
    return Dataset(x=x, y=y, num_classes=num_classes, name="purchase_like")


def _kmeans_flops(num_samples: int, num_features: int, num_classes: int) -> tuple[int, int]:
    """Arithmetic of `kmeans_labels` on [N, D] rows into C clusters: (the least it takes:
    the k-means++ seeds and one Lloyd iteration, the most: all `_KMEANS_ITERATIONS`). Each
    seed scores 2 + ln C candidates against every row (2·N·D each); each iteration takes the
    distances and the clusters' sums (2·N·D·C each)."""
    n, d, c = int(num_samples), int(num_features), int(num_classes)
    seeds = 2 * n * d * c * (2 + int(np.log(max(c, 1))))
    return seeds + 4 * n * d * c, seeds + _KMEANS_ITERATIONS * 4 * n * d * c


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.3g} min" if seconds < 2 * 3600 else f"{seconds / 3600:.3g} h"


def check_purchase_like(
    *,
    num_samples: int = 10000,
    num_features: int = 600,
    num_classes: int = 100,
    num_profiles: int | None = None,
    basket_size: int = 40,
    seed: int = 0,
) -> None:
    """`make_purchase_like`'s refusals, made without generating anything (the config check
    calls it before the run directory is made): sizes, memory, and a k-means that could not
    finish in `mia_defense.budget.MAX_HOURS` even at the optimistic CPU rate."""
    _check_sizes("purchase_like", num_samples=num_samples, num_features=num_features,
                 num_classes=num_classes, seed=seed)
    profiles = num_classes if num_profiles is None else num_profiles
    _check_within("num_profiles", profiles, 1, num_samples,
                  f"at most dataset.num_samples={shown(num_samples)}")
    _check_within("basket_size", basket_size, 1, num_features,
                  f"at most dataset.num_features={shown(num_features)}")
    # (num_samples=100000 num_classes=20000: some 50 GB, past a check of N x D values alone)
    check_memory(_KMEANS_BYTES * int(num_samples) * int(num_classes),
                 source=f"dataset.num_samples={num_samples}, dataset.num_classes={num_classes}",
                 what="labelling purchase_like with k-means")
    least = _kmeans_flops(num_samples, num_features, num_classes)[0] / FLOPS["cpu"]
    if least > MAX_HOURS * 3600:
        raise ConfigError(
            f"dataset.num_samples={num_samples}, dataset.num_features={num_features}, "
            f"dataset.num_classes={num_classes}: labelling purchase_like with k-means would "
            f"take at least {_duration(least)} (its k-means++ seeds and one iteration, at an "
            f"optimistic {FLOPS['cpu']:.0e} operations/s), over the {MAX_HOURS:g} h limit; "
            "lower dataset.num_classes, num_samples or num_features"
        )


def kmeans_labels(
    x: np.ndarray, num_clusters: int, rng: np.random.Generator, *, max_iter: int = 100
) -> np.ndarray:
    """Lloyd's k-means of the binary rows ``x`` [N, D]: the cluster of each row, [N] int64.

    Exact, so the labels are the same bytes on every machine: each centroid is held as the
    integer sum of its rows and their count, so every dot product is a sum of whole numbers
    (exact in float64, whatever BLAS kernel the CPU gets), and the distances are elementwise
    IEEE arithmetic. scikit-learn's KMeans gave other labels under other OpenBLAS kernels
    (``OPENBLAS_CORETYPE=Prescott`` against Haswell on one machine). Starts from k-means++
    seeds (`_kmeans_plus_plus`); a cluster left empty takes the row farthest from its own
    centroid, as scikit-learn does.
    """
    rows = x.astype(np.float64)
    norms = rows.sum(axis=1)  # |x|^2 of a binary row
    sums = rows[_kmeans_plus_plus(rows, norms, num_clusters, rng)]
    counts = np.ones(num_clusters)
    labels = np.full(len(rows), -1)
    for _ in range(max_iter):
        # ||x - sum/count||^2 = |x|^2 - 2 x.sum / count + |sum|^2 / count^2
        dist = norms[:, None] - 2 * (rows @ sums.T) / counts + (sums * sums).sum(1) / counts**2
        new = dist.argmin(axis=1)
        sizes = np.bincount(new, minlength=num_clusters)
        own = dist[np.arange(len(rows)), new]
        for empty in np.flatnonzero(sizes == 0):
            far = int(np.where(sizes[new] > 1, own, -np.inf).argmax())  # empties no other
            sizes[new[far]] -= 1
            sizes[empty] += 1
            new[far] = empty
        if np.array_equal(new, labels):
            break
        labels = new
        counts = sizes.astype(np.float64)
        sums = np.eye(num_clusters)[labels].T @ rows  # sums of whole numbers: exact
    return labels.astype(np.int64)


def make_texas_like(
    *,
    num_samples: int = 10000,
    num_features: int = 2000,
    num_classes: int = 100,
    codes_per_class: int = 30,
    seed: int = 0,
) -> Dataset:
    """A Texas100-like task: hospital stays as binary features, the main procedure as label.

    The first columns one-hot encode categorical patient attributes (sex, age group, race,
    ethnicity, admission type and source, length-of-stay bucket, hospital); the rest are
    multi-hot diagnosis / external-cause codes. Procedure frequencies follow a Zipf law (the
    real labels are the 100 most frequent procedures); each procedure raises the rate of its
    own codes and shifts the attributes, and many codes are shared background noise.

    Args:
        num_samples: hospital stays N (67330 in Texas100).
        num_features: binary features D (6169 in Texas100; smaller by default for CPU runs).
        num_classes: procedures C (100 in Texas100).
        codes_per_class: diagnosis codes typical of each procedure.
        seed: the run's seed; the same seed gives the same bytes.
    """
    attributes = check_texas_like(num_samples=num_samples, num_features=num_features,
                                  num_classes=num_classes, codes_per_class=codes_per_class,
                                  seed=seed)
    num_codes = num_features - sum(attributes)
    seconds = num_classes * _TEXAS_SECONDS_PER_CLASS
    if seconds > _KMEANS_ANNOUNCED_SECONDS:  # (num_classes=1000000: over a minute, unsaid)
        log.warning("texas_like: drawing the attributes and codes of %d classes one class at a "
                    "time takes about %s on a CPU; fewer dataset.num_classes is faster",
                    num_classes, _duration(seconds))
    rng = numpy_rng(seed, "dataset/texas_like")
    frequency = 1.0 / np.arange(1, num_classes + 1) ** 0.7
    y = rng.choice(num_classes, size=num_samples, p=frequency / frequency.sum()).astype(np.int64)
    _warn_empty_classes(y, num_classes=num_classes, num_samples=num_samples)
    blocks = []
    for size in attributes:  # P(attribute | procedure): a shared prior shifted per procedure
        prior = rng.dirichlet(np.ones(size))
        per_class = np.stack([rng.dirichlet(20 * prior + 0.3) for _ in range(num_classes)])
        cum = per_class[y].cumsum(axis=1)
        pick = (rng.random((num_samples, 1)) > cum).sum(axis=1).clip(max=size - 1)
        blocks.append(np.eye(size, dtype=np.float32)[pick])
    background = rng.beta(0.4, 40.0, size=num_codes)
    code_probs = np.tile(background, (num_classes, 1))
    for c in range(num_classes):
        codes = rng.choice(num_codes, size=codes_per_class, replace=False)
        code_probs[c, codes] = rng.uniform(0.05, 0.4, size=codes_per_class)
    codes_x = (rng.random((num_samples, num_codes), dtype=np.float32) < code_probs[y]).astype(
        np.float32
    )
    x = np.concatenate([*blocks, codes_x], axis=1)
    return Dataset(x=x, y=y, num_classes=num_classes, name="texas_like")


def _warn_empty_classes(y: np.ndarray, *, num_classes: int, num_samples: int) -> None:
    """Say when texas_like's Zipf-drawn labels leave classes without a sample: the models
    learn a task of dataset.num_classes outputs, some of which no record holds, as a user's
    file with such labels is warned about (labels.as_labels)."""
    present = np.unique(y).size
    if present < num_classes:
        log.warning("texas_like: only %d of the %d classes have samples among "
                    "dataset.num_samples=%d (the procedures' frequencies follow a Zipf law: the "
                    "rarest drew none); raise dataset.num_samples or lower dataset.num_classes",
                    present, num_classes, num_samples)


def check_texas_like(
    *,
    num_samples: int = 10000,
    num_features: int = 2000,
    num_classes: int = 100,
    codes_per_class: int = 30,
    seed: int = 0,
) -> list[int]:
    """`make_texas_like`'s refusals, made without generating anything (the config check
    calls it before the run directory is made); returns the one-hot attributes' sizes."""
    _check_sizes("texas_like", num_samples=num_samples, num_features=num_features,
                 num_classes=num_classes, seed=seed)
    attributes = [2, 10, 5, 3, 5, 10, 10, 100]  # categorical attributes, one-hot
    # halved down to 2 values each (16 features), they must fit in half the features: below
    # that the loop below never ended (num_features=20 hung the run)
    if num_features < 4 * len(attributes):
        raise ConfigError(f"dataset.num_features={num_features}: must be >= "
                          f"{4 * len(attributes)} for texas_like (its {len(attributes)} one-hot "
                          "patient attributes take at least 2 features each, at most half of "
                          "the features)")
    while sum(attributes) > num_features // 2:
        attributes = [max(2, a // 2) for a in attributes]
    _check_within("codes_per_class", codes_per_class, 1, num_features - sum(attributes),
                  f"at most dataset.num_features={shown(num_features)} less the "
                  f"{sum(attributes)} features of the patient attributes")
    return attributes


def _kmeans_plus_plus(
    rows: np.ndarray, norms: np.ndarray, num_clusters: int, rng: np.random.Generator
) -> list[int]:
    """Greedy k-means++ seeds, as scikit-learn draws them (Arthur and Vassilvitskii 2007):
    each new seed is the best, by the summed squared distances it leaves, of 2 + ln(k)
    candidates drawn with probability proportional to their squared distance to the nearest
    seed so far. On binary rows that distance is a whole number (Hamming), summed as
    integers: exact on every machine."""
    trials = 2 + int(np.log(num_clusters))

    def hamming(index: np.ndarray) -> np.ndarray:  # [len(index), N] whole numbers
        dots = rows[index] @ rows.T
        return np.rint(norms[index, None] + norms[None] - 2 * dots).astype(np.int64)

    seeds = [int(rng.integers(len(rows)))]
    nearest = hamming(np.array(seeds))[0]
    for _ in range(num_clusters - 1):
        total = int(nearest.sum())
        if total == 0:  # every row equals a seed: any other row will do
            seeds.append(int(rng.choice(np.setdiff1d(np.arange(len(rows)), seeds))))
            continue
        candidates = rng.choice(len(rows), size=trials, p=nearest / total)
        left = np.minimum(nearest[None], hamming(candidates))  # [trials, N]
        best = int(left.sum(axis=1).argmin())
        seeds.append(int(candidates[best]))
        nearest = left[best]
    return seeds
