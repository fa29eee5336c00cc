"""Preprocessing fitted on the rows a run may learn from: one-hot encoding of text columns
(scikit-learn's `OneHotEncoder`) and standardisation of numeric ones, never fitted on the
plan's test rows.

The loader runs before the pipeline draws its plan, so it draws the plan's split itself
(`rows_outside_test`, with the run's ``plan`` settings and seed: the same rows `make_plan`
holds out) and fits on the other rows: population, reference and unused rows.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mia_defense.constraints import as_integer, is_integer, shown, shown_path
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import check_memory
from mia_defense.errors import ConfigError, DataError

__all__ = ["PLAN_KEYS", "encode_features", "rows_outside_test", "warn_split_seed"]

log = logging.getLogger(__name__)

# The plan settings that fix the test split (`mia_defense.plan.make_plan`).
PLAN_KEYS = ("population_size", "test_size", "reference_size")
# What the packaged csv config (conf/dataset/csv.yaml) sets, for a message: the whole
# ${plan} has no seed, so the split was drawn from dataset.seed, not the run's seed.
_PACKAGED = ("the packaged configs set dataset.plan's sizes to ${plan.<key>} and its seed to "
             "${seed}")


def rows_outside_test(data: Dataset, plan: Mapping[str, Any] | None, *, seed: int
                      ) -> np.ndarray | None:
    """Indices [R] of the rows of ``data`` outside the test split that `make_plan` draws with
    these ``plan`` settings (``population_size``, ``test_size``, ``reference_size``; a
    ``num_models`` is ignored: K does not change the split) and the run's seed, ``plan``'s
    ``seed`` (the packaged csv config passes ``${seed}``) or else ``seed``; ``None`` (no
    plan: every row) when ``plan`` is ``None``.

    ``plan``'s ``seed`` is the run's even where ``dataset.seed`` is set apart (a subset of
    max_samples kept across the run's seeds): the split drawn from ``dataset.seed`` was not
    the run's, and the encoder and the scaling were fitted on rows the run tested on.

    Raises:
        ConfigError: an unknown key in ``plan``, or sizes the data cannot hold (the
            message `make_plan` gives).
    """
    if plan is None:
        return None
    if not isinstance(plan, Mapping):
        raise ConfigError(f"dataset.plan={shown(plan)}: must be the plan's settings "
                          f"{list(PLAN_KEYS)} ({_PACKAGED})")
    unknown = sorted({key if isinstance(key, str) else shown(key) for key in plan}
                     - {*PLAN_KEYS, "num_models", "seed"})
    if unknown:
        from mia_defense.data.checks import typed_name  # (an error's path: no start-up cost)

        raise ConfigError(  # (a key of a terminal's escape, spelt as a command line takes it)
            f"dataset.plan.{typed_name(unknown[0])}: unknown key; dataset.plan takes the plan's "
            f"{list(PLAN_KEYS)} ({_PACKAGED})"
        )
    for key in PLAN_KEYS:
        value = plan.get(key)
        if value is not None and not is_integer(value):
            raise ConfigError(f"dataset.plan.{key}={value!r}: must be an integer or null")
    run_seed = plan.get("seed", seed)
    as_integer(run_seed, key="dataset.plan.seed", low=0, note="the run's seed, ${seed}")
    from mia_defense.plan import make_plan  # here: mia_defense.plan imports this package

    # The split depends on the sizes and the seed only; K = 2 draws the smallest masks.
    split = make_plan(
        data,
        num_models=2,
        population_size=plan.get("population_size"),
        test_size=plan.get("test_size"),
        reference_size=int(plan.get("reference_size") or 0),
        seed=int(run_seed),
        say=False,  # (the run's plan says its sizes)
    )
    outside = np.ones(len(data), dtype=bool)
    outside[split.test_idx] = False
    return np.flatnonzero(outside)


def warn_split_seed(plan: Any, *, loader_seed: Any, run_seed: Any) -> None:
    """Warn when ``plan`` (a loader's ``dataset.plan``) has no ``seed`` and the loader's
    ``seed`` (``dataset.seed``) is not the run's: `rows_outside_test` then draws the split
    from the loader's seed, not the run's split, so the preprocessing is fitted on rows the
    run tests on (a config of one's own with ``plan: ${plan}``, which has no seed)."""
    if not isinstance(plan, Mapping) or "seed" in plan or loader_seed is None:
        return
    if loader_seed == run_seed:
        return
    log.warning("dataset.plan has no seed, so the rows the preprocessing is fitted on are "
                "drawn from dataset.seed=%s, not the run's seed=%s: the scaling and one-hot "
                "categories are fitted on rows the run tests on. Add seed: ${seed} to "
                "dataset.plan (as conf/dataset/csv.yaml does)", loader_seed, run_seed)


def encode_features(
    x: np.ndarray,
    categories: Sequence[Sequence[str] | None],
    *,
    fit_rows: np.ndarray | None,
    standardize: bool,
    source: str,
    names: Sequence[str] | None = None,
    fixed: Sequence[bool] | None = None,
) -> np.ndarray:
    """float32 features [N, F] from table columns [N, D], in the columns' order.

    A numeric column (``categories[j]`` is ``None``) stays one feature, scaled to zero mean
    and unit variance over ``fit_rows`` when ``standardize``. A text column, whose values
    are codes into ``categories[j]``, becomes one 0/1 feature per category present in
    ``fit_rows`` (`OneHotEncoder` fitted on them); a category present only outside them
    encodes as all zeros (``handle_unknown="ignore"``): the model never saw it. A text
    column with a fixed list (``fixed[j]``) becomes one 0/1 feature per category of
    ``categories[j]``, in its order, whatever rows hold them: fitted on no row.

    Args:
        x: [N, D] numbers, or category codes for text columns.
        categories: per column, the category of each code, or ``None`` for a number column.
        fit_rows: the rows the encoder and the statistics are fitted on; ``None``: all.
        standardize: scale the numeric columns.
        source: the file, for messages.
        names: the columns' names, for the log.
        fixed: per column, whether ``categories[j]`` is a fixed list (every one of them a
            feature); ``None``: none is.
    """
    names = names if names is not None else [f"column {j + 1}" for j in range(x.shape[1])]
    rows = slice(None) if fit_rows is None else fit_rows
    text = [j for j, names in enumerate(categories) if names is not None]
    sizes = {j: len(categories[j] or ()) for j in text if fixed is not None and fixed[j]}
    blocks = _one_hot(x, text, [names[j] for j in text], rows=rows, fit_rows=fit_rows,
                      source=source, fixed_sizes=sizes)
    widths = [blocks[j].shape[1] if j in blocks else 1 for j in range(x.shape[1])]
    out = np.empty((len(x), sum(widths)), dtype=np.float32)
    starts = np.cumsum([0, *widths[:-1]])
    for j in list(blocks):
        out[:, starts[j] : starts[j] + widths[j]] = blocks.pop(j)
    is_text = set(text)
    numeric = np.array([j for j in range(x.shape[1]) if j not in is_text], dtype=np.int64)
    block = max(1, _BLOCK_VALUES // max(len(x), 1))
    # Numeric columns a block at a time (one Python step per column took 17 s for 1M columns):
    # each block transposed, so every column's statistics are reduced over one contiguous row
    # as numpy reduces a single column (the same float64 bits as column by column).
    for first in range(0, len(numeric), block):
        chosen = numeric[first : first + block]
        columns = np.ascontiguousarray(x[:, chosen].T, dtype=np.float64)  # [B, N]
        if standardize:
            fitted = columns[:, rows]
            mean, std = fitted.mean(axis=1), fitted.std(axis=1)
            columns = (columns - mean[:, None]) / np.where(std > 0, std, 1.0)[:, None]
            _refuse_beyond_float32(columns, chosen, std, names=names, fit_rows=fit_rows,
                                   source=source)
        out[:, starts[chosen]] = columns.T
    return out


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _refuse_beyond_float32(columns: np.ndarray, chosen: np.ndarray, std: np.ndarray, *,
                           names: Sequence[str], fit_rows: np.ndarray | None,
                           source: str) -> None:
    """Refuse standardised columns [B, N] holding a value beyond float32's range: a column
    whose fitted rows barely vary (a standard deviation of 1e-30) and whose other rows lie
    far from them became inf in float32, refused later as 'NaN or inf: clean or impute them'
    of a file that holds none."""
    beyond = np.abs(columns) > _FLOAT32_MAX
    if not beyond.any():
        return
    from mia_defense.data.csv_columns import drop_override  # (a refusal's path only)

    b, row = (int(i) for i in np.argwhere(beyond)[0])
    name = names[int(chosen[b])]
    fitted = "every row" if fit_rows is None else f"the {len(fit_rows)} rows outside the test set"
    raise DataError(
        f"{shown_path(source)}: column {name!r}, standardised (dataset.standardize=true) by its "
        f"standard deviation over {fitted}, {std[b]:.3g}, reaches {columns[b, row]:.3g} at sample "
        f"{row}, beyond float32's range: its values barely vary on those rows and lie far from "
        f"them on others; drop the column ({drop_override(name, names)}), or "
        "scale it yourself and set dataset.standardize=false"
    )


# Values of the numeric columns `encode_features` standardises at once: a float64 block of
# 32 MB and its temporaries (whole columns; one column of more rows is one block).
_BLOCK_VALUES = 1 << 22


def _one_hot(
    x: np.ndarray,
    text: Sequence[int],
    names: Sequence[str],
    *,
    rows: Any,
    fit_rows: np.ndarray | None,
    source: str,
    fixed_sizes: Mapping[int, int],
) -> dict[int, np.ndarray]:
    """One 0/1 block [N, categories in fit rows] per text column, by column index; for a
    column of ``fixed_sizes`` (column index -> the length of its fixed list), [N, that
    length]: codes 0..length-1, fitted on no row."""
    if not text:
        return {}
    from sklearn.preprocessing import OneHotEncoder  # scikit-learn loads only when needed

    codes = x[:, text].astype(np.int64)
    # the categories 'auto' would find in the fit rows, or the fixed list's codes
    kinds = [np.arange(fixed_sizes[j]) if j in fixed_sizes else np.unique(codes[rows, k])
             for k, j in enumerate(text)]  # fmt: skip
    encoder = OneHotEncoder(categories=kinds, handle_unknown="ignore", sparse_output=False,
                            dtype=np.float32)
    encoder.fit(codes[rows])
    sizes = [len(c) for c in encoder.categories_]
    check_memory(2 * 4 * len(x) * sum(sizes), source=source,
                 what=f"one-hot encoding the text columns ({sum(sizes)} features)")
    encoded = encoder.transform(codes)
    blocks, start = {}, 0
    for j, size in zip(text, sizes, strict=True):
        blocks[j], start = encoded[:, start : start + size], start + size
    _log_encoding(encoded, sizes, names, fit_rows=fit_rows, source=source,
                  fixed=[j in fixed_sizes for j in text])
    return blocks


def _log_encoding(
    encoded: np.ndarray,
    sizes: Sequence[int],
    names: Sequence[str],
    *,
    fit_rows: np.ndarray | None,
    source: str,
    fixed: Sequence[bool],
) -> None:
    """Say which columns became how many features (those of a fixed list marked so), and
    how many rows hold a category the encoder never saw (encoded as all zeros)."""
    shown = ", ".join(f"{name}: {size}{' (fixed list)' if own else ''}"
                      for name, size, own in zip(names, sizes, fixed, strict=True))
    fitted = "every row" if fit_rows is None else f"the {len(fit_rows)} rows outside the test set"
    log.info("%s: text columns one-hot encoded, fitted on %s (categories: %s)", source, fitted,
             shown)
    bounds = np.cumsum([0, *sizes])
    zero = np.zeros(len(encoded), dtype=bool)
    for a, b in itertools.pairwise(bounds):
        zero |= ~encoded[:, a:b].any(axis=1)
    if zero.any():
        log.info("%s: %d rows hold a text value absent from the rows the encoder was fitted "
                 "on; those values encode as all zeros", source, int(zero.sum()))
