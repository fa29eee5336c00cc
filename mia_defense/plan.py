"""The membership plan: which population sample trains which of the K models."""

from __future__ import annotations

import datetime
import hashlib
import logging
import numbers
from dataclasses import dataclass, field

import numpy as np

from mia_defense.constraints import as_integer, shown
from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError, DataError, counted
from mia_defense.seeding import numpy_rng

__all__ = [
    "DEFAULT_POPULATION", "MembershipPlan", "balanced_masks", "copy_leaders",
    "default_population", "make_plan", "non_numeric_features", "plan_sizes",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MembershipPlan:
    """Indices of each split into the dataset and the membership masks.

    Attributes:
        population_idx: [N] dataset indices of the membership population.
        test_idx: [M] dataset indices no model ever trains on (utility).
        reference_idx: [R] dataset indices of a disjoint public/reference split (may be empty).
        masks: [K, N] bool; ``masks[k, n]`` means population sample n trains model k.
            Every sample is a member of exactly K/2 models (Carlini et al. 2022); exact
            copies (the same features) share one column (`copy_leaders`).
        copy_leaders: [N] ints, the position of each record's first exact copy (itself
            where it has none; canaries each their own), found once by `make_plan` so that
            nothing hashes the population again; ``None`` in a plan made by hand (`leaders`
            then finds them).
        row_digests: [len(dataset)] the digest of every dataset row's features (equal for
            exact copies), made by `make_plan` as it hashes every row for its splits, so
            that mislabeled canaries find the rows without a copy (`row_leaders`) without
            hashing them again (0.2-1.1 s at 50,000 rows); ``None`` in a plan made by hand
            or one whose dataset canaries extended.
    """

    population_idx: np.ndarray
    test_idx: np.ndarray
    reference_idx: np.ndarray
    masks: np.ndarray
    copy_leaders: np.ndarray | None = None
    row_digests: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def num_models(self) -> int:
        return int(self.masks.shape[0])

    @property
    def population_size(self) -> int:
        return int(self.masks.shape[1])

    def leaders(self, x: np.ndarray, *, is_canary: np.ndarray | None = None) -> np.ndarray:
        """[N] the position of each population record's first exact copy, canaries each
        their own: the plan's ``copy_leaders`` (no hashing), else found from ``x`` (the
        dataset the plan indexes) over the records ``is_canary`` does not flag."""
        if self.copy_leaders is not None:
            return self.copy_leaders
        if is_canary is None:
            return copy_leaders(x, self.population_idx)
        groups = np.arange(self.population_size)
        regular = np.flatnonzero(~is_canary)
        groups[regular] = regular[copy_leaders(x, self.population_idx[regular])]
        return groups

    def row_leaders(self, x: np.ndarray) -> np.ndarray:
        """`copy_leaders` of every row of ``x``, the dataset the plan indexes: from the
        plan's ``row_digests`` (no hashing) where it has those of as many rows, else hashed."""
        if self.row_digests is not None and len(self.row_digests) == len(x):
            return _leaders(self.row_digests.tolist())
        return copy_leaders(x, np.arange(len(x)))


def balanced_masks(num_models: int, population_size: int, rng: np.random.Generator) -> np.ndarray:
    """[K, N] masks where each column has exactly K/2 True entries at random rows."""
    ranks = rng.random((population_size, num_models)).argsort(axis=1)
    return (ranks < num_models // 2).T.copy()


_HASH_ROWS = 4096  # population rows copied at a time to find the exact copies
_DIGEST_BYTES = 16  # of a row's digest (`_row_keys`)


def _row_keys(x: np.ndarray, idx: np.ndarray) -> list[bytes]:
    """A digest of each record ``x[idx]``'s features ([N, ...]; -0.0 as 0.0): equal for exact
    copies. Rows are hashed a chunk at a time: no copy of the whole set of records."""
    keys = []
    for start in range(0, len(idx), _HASH_ROWS):
        rows = np.ascontiguousarray(x[idx[start : start + _HASH_ROWS]])
        rows = rows.reshape(len(rows), -1)
        if rows.dtype.kind in "fc":
            rows = rows + rows.dtype.type(0)  # -0.0 + 0.0 is 0.0
        keys += [hashlib.blake2b(row.tobytes(), digest_size=_DIGEST_BYTES).digest()
                 for row in rows]
    return keys


_AS_NUMBERS = "give numbers: x.astype(np.float32) where every entry is a number"
_ENCODE = "encode text columns first (one-hot)"


def non_numeric_features(x: np.ndarray) -> str | None:
    """``x``'s dtype, what it holds and what to pass instead where its features are no
    numbers (text, bytes, dates, durations, records, Python objects other than numbers);
    None for numbers.
    numpy casts number strings and dates to float32 without a word: the models trained on
    what a parser or an epoch made of the user's columns."""
    kind = x.dtype.kind
    if kind in "US":
        what = f"{'text' if kind == 'U' else 'bytes'}; {_AS_NUMBERS}, or {_ENCODE}"
    elif kind in "Mm":
        what = _time_advice(kind == "M")
    elif kind == "V":
        what = ("records; give one numeric column per feature (numpy.lib.recfunctions."
                "structured_to_unstructured(x))")
    elif kind == "O":
        what = _object_advice(x)
    else:
        what = None
    return None if what is None else f"dtype {x.dtype} holds {what}"


def _time_advice(dates: bool, objects: bool = False) -> str:
    """What to pass for features that are dates (``dates``) or durations, as Python
    ``objects`` or numpy's."""
    if dates:
        given = "d = x.astype('datetime64[s]'); (d - d.min())" if objects else "(x - x.min())"
        return (f"dates and times; give numbers, e.g. seconds since a start: {given} / "
                "np.timedelta64(1, 's')")
    given = "x.astype('timedelta64[s]')" if objects else "x"
    return f"durations; give numbers, e.g. seconds: {given} / np.timedelta64(1, 's')"


def _object_advice(x: np.ndarray) -> str | None:
    """`non_numeric_features` of an object array: None where every entry is a number."""
    for value in x.flat:
        if isinstance(value, (numbers.Real, np.bool_)):
            continue
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            return _time_advice(not isinstance(value, datetime.timedelta), objects=True)
        shown_value = repr(value)[:40]
        return (f"Python objects, among them a {type(value).__name__} ({shown_value}); "
                f"{_AS_NUMBERS}, or {_ENCODE}")
    return None


def copy_leaders(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For each of the records ``x[idx]`` ([N, ...]), the position in ``idx`` of its first
    exact copy (the same features, feature for feature; -0.0 as 0.0): itself where it has
    none. [N] ints."""
    return _leaders(_row_keys(x, idx))


def _leaders(keys: list[bytes]) -> np.ndarray:
    first: dict[bytes, int] = {}
    return np.array([first.setdefault(key, n) for n, key in enumerate(keys)], dtype=np.intp)


def _fresh_first(rows: np.ndarray, copied: np.ndarray) -> np.ndarray:
    """``rows`` (in draw order) with those ``copied`` ([bool], an exact copy of a population
    record) moved to the end."""
    return np.concatenate([rows[~copied], rows[copied]])


def _outside_splits(outside: np.ndarray, keys: list[bytes], seen: set[bytes], *,
                    test_pool: int, keep: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The reference split and the rows the test set is drawn from (fresh rows first; and how
    many of them copy a population record) out of the rows ``outside`` the population (their
    `_row_keys` ``keys``), in draw order: the first ``test_pool`` rows are the test set's,
    the others the reference's.

    Neither split takes an exact copy of a population record (its keys ``seen``) while a
    row that copies none is left: a copy of a member in the test set is no held-out record
    (test accuracy overstated), and one in the reference split put a member's features in
    every model's defense (distillation's students all trained on it, so a record the attacks
    counted as a non-member had been trained on; advreg played it as a non-member). The
    reference swaps its copies for fresh rows of the test set's draw beyond the first
    ``keep`` (plan.test_size, or 1 where it is null: the test set is what is left); data
    without copies keeps the splits it had."""
    copied = np.array([key in seen for key in keys], dtype=bool)
    reference = _reference_positions(copied, test_pool=test_pool, keep=keep)
    rest = np.setdiff1d(np.arange(len(outside)), reference)  # the test set's draw, then the tail
    return outside[reference], _fresh_first(outside[rest], copied[rest]), int(copied[rest].sum())


def _reference_positions(copied: np.ndarray, *, test_pool: int, keep: int) -> np.ndarray:
    """Which of the rows outside the population (``copied`` [bool] of each, in draw order)
    the reference split takes, as many as its own rows (those after the first
    ``test_pool``): its own fresh rows, then fresh rows of the test set's pool beyond the
    first ``keep`` (the last drawn first), then its own copies."""
    positions = np.arange(len(copied))
    own, pool = positions[test_pool:], positions[:test_pool]
    own_fresh, own_copies = own[~copied[own]], own[copied[own]]
    spare = pool[~copied[pool]][keep:]  # fresh rows the test set does not take
    return np.concatenate([own_fresh, spare[::-1], own_copies])[: len(own)]


# The default population: enough records for the attacks' ROC at 0.1% FPR on digits.
DEFAULT_POPULATION = 1000


def default_population(available: int) -> int:
    """The population when ``plan.population_size`` and ``plan.test_size`` are both null:
    `DEFAULT_POPULATION` records, leaving at least a quarter of the ``available`` samples
    as the test set (digits, 1797: 1000 and 797; breast_cancer, 569: 426 and 143)."""
    return min(DEFAULT_POPULATION, available - (available + 3) // 4)


def plan_sizes(total: int, *, population_size: int | None, test_size: int | None,
               reference_size: int, description: str) -> tuple[int, int]:
    """The population and test sizes a plan takes of ``total`` samples (`make_plan`'s
    rules); a `ConfigError` naming the plan keys when they do not fit. The config check
    runs it where a dataset's size is known before loading (`config_fits._bundled_fits`)."""
    if reference_size < 0:
        raise ConfigError(f"plan.reference_size={shown(reference_size)}: must be >= 0")
    available = total - reference_size
    if available < 3:
        raise ConfigError(
            f"plan.reference_size={shown(reference_size)}: leaves {max(available, 0)} of the "
            f"{total} samples in {description} for the population and the test set (they "
            "need at least 3); lower it"
        )
    given = {"population_size": population_size, "test_size": test_size}
    if population_size is None and test_size is None:
        population_size = default_population(available)
    if population_size is None:
        population_size = available - int(test_size)  # type: ignore[arg-type]
    if test_size is None:
        test_size = available - population_size
    if population_size < 2 or test_size < 1 or population_size + test_size > available:
        sizes = ", ".join(
            f"plan.{key}={shown(value)}" + ("" if given[key] is not None else " (what is left)")
            for key, value in (("population_size", population_size), ("test_size", test_size))
        )
        raise ConfigError(
            f"{sizes}, plan.reference_size={shown(reference_size)}: too few samples for the plan; "
            f"need population >= 2, test >= 1 and population + test + reference <= the {total} "
            f"samples in {description}; "
            + _sizes_fix(given, population_size, int(test_size), available, reference_size)
        )
    return population_size, int(test_size)


def _sizes_fix(given: dict[str, int | None], population_size: int, test_size: int,
               available: int, reference_size: int) -> str:
    """Which plan key to change, and to what, when the sizes do not fit the ``available``
    samples (those ``reference_size`` leaves): 'lower the plan sizes' named none, beside a
    test size of -70 '(what is left)' that no one set. At least one size is given here (the
    default fits any 3 samples)."""
    if population_size < 2 and given["population_size"] is not None:
        return "set plan.population_size to at least 2"
    if test_size < 1 and given["test_size"] is not None:
        return "set plan.test_size to at least 1"
    keys = [f"plan.{key}" for key, value in given.items() if value is not None]
    most = available - (1 if keys == ["plan.population_size"] else
                        2 if keys == ["plan.test_size"] else 0)  # fmt: skip
    lower = (f"lower {keys[0]} to at most {most}" if len(keys) == 1 else
             f"lower plan.population_size or plan.test_size: together at most {most}")
    if reference_size:
        lower += f" (or plan.reference_size, which keeps {reference_size} apart)"
    return f"{lower}, or use more data"


def make_plan(
    dataset: Dataset,
    *,
    num_models: int,
    population_size: int | None,
    test_size: int | None,
    reference_size: int = 0,
    seed: int,
    say: bool = True,
) -> MembershipPlan:
    """Split ``dataset`` into population / test / reference and draw balanced masks.

    Args:
        dataset: the data to split.
        num_models: K, an even number of models (each sample trains K/2 of them).
        population_size: N; ``None`` takes what is left after test and reference.
        test_size: held-out test samples; ``None`` takes what is left after the population.
            Both ``None`` (the packaged default): `default_population`, the rest as test.
        reference_size: samples kept apart for reference/public use.
        seed: the run's seed.
        say: log the sizes chosen and the copies left out of the test set at INFO (False:
            the run's own plan says them; a loader's draw of its split, `rows_outside_test`,
            said each twice).

    Each number is an integer (`as_integer`), as the config's checks and `api.make_plan`
    hold it: called directly, ``seed=True`` drew seed 1's plan and a float size was a raw
    TypeError.
    """
    num_models = as_integer(num_models, key="plan.num_models", low=0)
    seed = as_integer(seed, key="seed", low=0)
    reference_size = as_integer(reference_size, key="plan.reference_size", low=0)
    population_size, test_size = (
        None if value is None else as_integer(value, key=f"plan.{name}", low=0)
        for name, value in (("population_size", population_size), ("test_size", test_size))
    )
    if num_models < 2 or num_models % 2:
        raise ConfigError(
            f"plan.num_models={num_models}: must be an even number >= 2 "
            "(every sample is a member of exactly half of the models)"
        )
    _refuse_non_numeric(dataset)
    total = len(dataset)
    given = {"population_size": population_size, "test_size": test_size}
    population_size, test_size = plan_sizes(
        total, population_size=population_size, test_size=test_size,
        reference_size=reference_size, description=dataset.description)
    available = total - reference_size
    if say and given["population_size"] is None and given["test_size"] is None:
        log.info(
            "plan: population %d, test set %d of the %d samples of %s (plan.population_size "
            "and plan.test_size choose)", population_size, available - population_size,
            available, dataset.description,
        )
    order = numpy_rng(seed, "split").permutation(total)
    population_idx = np.sort(order[:population_size])
    # The reference split and the test set take the rows that copy no population record
    # first; plan.test_size null ("all that is left") leaves such copies out, while another
    # row is left
    keys = _row_keys(dataset.x, population_idx)
    outside = order[population_size:]
    outside_keys = _row_keys(dataset.x, outside)
    reference, rest, copied = _outside_splits(outside, outside_keys, set(keys),
                                              test_pool=available - population_size,
                                              keep=1 if given["test_size"] is None else test_size)
    if copied and given["test_size"] is None and copied < len(rest):
        test_size = len(rest) - copied
        if say:
            log.info("plan: %s that %s a population record exactly %s left out of the test "
                     "set (plan.test_size null), which holds the %d others",
                     counted(copied, "row"), "copies" if copied == 1 else "copy",
                     "is" if copied == 1 else "are", test_size)  # fmt: skip
    test_idx = np.sort(rest[:test_size])
    reference_idx = np.sort(reference)
    masks = balanced_masks(num_models, population_size, numpy_rng(seed, "masks"))
    # Exact copies share their first copy's memberships: a copy left out of a model that
    # trained on its twin is no non-member, yet the attacks counted it as one (a member's
    # score among the non-members: the leak understated). Each column keeps K/2 members.
    leaders = _leaders(keys)
    if (leaders != np.arange(population_size)).any():
        masks = masks[:, leaders]
    return MembershipPlan(
        population_idx=population_idx,
        test_idx=test_idx,
        reference_idx=reference_idx,
        masks=masks,
        copy_leaders=leaders,
        row_digests=_digests(total, (population_idx, keys), (outside, outside_keys)),
    )


def _refuse_non_numeric(dataset: Dataset) -> None:
    """A `DataError` for a dataset whose features are no numbers: timedelta64 features
    passed the dataset's number check (numpy counts them as integers)."""
    fix = non_numeric_features(dataset.x)
    if fix is not None:
        raise DataError(f"{dataset.description}: x: not numbers: {fix}")


def _digests(total: int, *parts: tuple[np.ndarray, list[bytes]]) -> np.ndarray:
    """[total] row digests (`MembershipPlan.row_digests`) from the `_row_keys` of the rows
    of each of ``parts`` (``(rows, their keys)``, together every row)."""
    digests = np.zeros(total, dtype=f"V{_DIGEST_BYTES}")
    for rows, keys in parts:
        digests[rows] = np.frombuffer(b"".join(keys), dtype=f"V{_DIGEST_BYTES}")
    return digests
