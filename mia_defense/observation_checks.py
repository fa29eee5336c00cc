"""The checks of an observations file's released outputs (`mia_defense.observations`, the
format of docs/observations.md): values that cannot be of their output kind, rows that are
no (rounded, truncated) distribution, and what the outputs let out (`labels_only`). Each
reads the outputs [K, N, C] a block of rows at a time (`_blocks`), so a check takes a few
MiB on top of them, not multiples of the whole array. Torch-free, as the file format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Float32 rounding: a log-probability up to this much above 0, a probability above 1.
_TOLERANCE = 1e-4


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities of ``logits`` [..., C], in float64."""
    with np.errstate(over="ignore"):  # (1e308 and -1e308 apart: -inf, refused as such)
        shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# Cells of outputs [K, N, C] that the value checks and the conversion to log-probabilities
# read at a time (`_blocks`): their float64 and bool temporaries stay a few MiB each, not
# multiples of the whole array (a float64 log-softmax of it: 2x float32 outputs, each).
_BLOCK_CELLS = 2**20


def _blocks(values: np.ndarray) -> list[tuple[slice, slice]]:
    """Indices ``values[cells]`` of [K, N, C] ``values`` in blocks of about `_BLOCK_CELLS`
    cells, in order: whole models at a time where a model fits (many small models: few
    blocks), else a model's rows a block at a time (one row at least)."""
    k, n, c = values.shape
    rows = max(1, _BLOCK_CELLS // max(c, 1))
    if rows >= n:
        models = max(1, rows // max(n, 1))
        return [np.s_[m : m + models, :] for m in range(0, k, models)]
    return [np.s_[m : m + 1, r : r + rows] for m in range(k) for r in range(0, n, rows)]


def _found(values: np.ndarray, test: Any) -> tuple[str, Any] | None:
    """Where ``test(block)`` (a bool mask of the block and the values to show) holds over
    [K, N, C] ``values``, a block at a time (`_blocks`): `_where`'s text for the whole mask
    and the value shown at its first cell; ``None`` where it holds nowhere."""
    first, count = None, 0
    for cells in _blocks(values):
        mask, shown = test(values[cells])
        hits = int(np.count_nonzero(mask))
        if hits and first is None:
            at = np.argwhere(mask)[0]
            first = (cells[0].start + at[0], (cells[1].start or 0) + at[1], at[2]), shown[tuple(at)]
        count += hits
    return None if first is None else (_at(first[0], count), first[1])


# The lowest log-probability the observations (float32) hold as a number: below it the cast
# gave -inf, which reads as a class the release withheld.
# (a numpy float64: a Python float was cast to float16 outputs' own dtype, where it is -inf,
# and numpy warned 'overflow encountered in cast', an error under -W error)
_LOWEST = np.float64(np.finfo(np.float32).min)


def _range_problems(values: np.ndarray, kind: str, name: str) -> list[str]:
    """Finite outputs whose log-probability float32 cannot hold (log-probabilities below
    about -3.4e38, logits that far apart): the cast made them -inf, a withheld class, and
    numpy warned 'overflow encountered in cast'."""

    def beyond(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_probs = _log_softmax(block) if kind == "logits" else block
        return (log_probs < _LOWEST) & np.isfinite(block), log_probs

    found = _found(values, beyond)
    if found is None:
        return []
    what = "logits give log-probability" if kind == "logits" else "log-probability"
    return [f"{name}: {what} {found[1]:g} {found[0]}, beyond "
            f"float32's range ({_LOWEST:g}), which the observations hold: it would be -inf, "
            f"a class the release withheld; scale these {kind} to values float32 holds"]


def _where(mask: np.ndarray) -> str:
    """``at [k, n, c]`` of the first True entry of ``mask``, and how many there are."""
    return _at(np.argwhere(mask)[0], int(mask.sum()))


def _at(first: Sequence[Any], count: int) -> str:
    """`_where`'s text for a mask of ``count`` True entries, the first at index ``first``."""
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"at [{', '.join(map(str, first))}]{more}"


def looks_like_probabilities(values: np.ndarray) -> bool:
    """Whether outputs [..., C] said to be logits are probabilities: C >= 2 classes, every
    value in [0, 1], every output summing to 1 (float32 rounding aside); logits are so by
    chance only with probability nil."""
    values = np.asarray(values)
    if values.ndim < 1 or values.shape[-1] < 2 or not values.size:
        return False
    if values.min() < 0 or values.max() > 1:
        return False
    return bool(np.allclose(values.sum(axis=-1, dtype=np.float64), 1.0, rtol=0, atol=1e-4))


# Rows of each model that `labels_only` compares first: a release that lets out more than
# the label shows two rows of one predicted label that differ among them, and stops there.
_LABEL_PROBE_ROWS = 32


def labels_only(log_probs: np.ndarray) -> bool:
    """Whether released log-probabilities [K, N, C] (or [N, C]) let out the predicted label
    alone: in each model, every output a function of the output's argmax, all rows of one
    predicted label identical (exactly). So one-hot outputs (log 1 = 0 at one class, ``-inf``
    at the others: release=label_only, topk at k=1 renormalised, rounding at 0 decimals) and
    a release of one's own that answers a label otherwise (a smoothed one-hot, 0.9 on the
    label and 0.1/(C-1) elsewhere; log(1e-12) for -inf) count alike. A model that predicts
    no label twice (N <= C) shows no such rule: it counts where its outputs are one-hot.
    A model whose every output is one and the same (collapsed) counts too: it lets out no
    more than a label, the same one, and no attack, label queries included, finds more in
    it (its test accuracy at chance says so apart). Measured on the outputs, not read from
    a release's name: results.json's ``released_labels_only``, the attacks' and
    mia-report's caveats on a label release attacked without label queries. A release of
    more stops at the first two rows of one label that differ (`_LABEL_PROBE_ROWS` first)."""
    log_probs = np.asarray(log_probs)
    if log_probs.ndim < 2 or not log_probs.size:
        return False
    models = log_probs.reshape(-1, *log_probs.shape[-2:])
    if not all(_label_rows(outputs[:_LABEL_PROBE_ROWS])[0] for outputs in models):
        return False
    for outputs in models:
        alike, repeated = _label_rows(outputs)
        if not alike or not (repeated or _one_hot(outputs)):
            return False
    return True


def _label_rows(rows: np.ndarray) -> tuple[bool, bool]:
    """Whether the rows [N, C] of each predicted label (argmax) are all identical, and
    whether some label is predicted by two rows (else the first says nothing)."""
    predicted = rows.argmax(axis=-1)
    order = np.argsort(predicted, kind="stable")
    twins = np.flatnonzero(predicted[order][1:] == predicted[order][:-1])
    if not twins.size:
        return True, False
    ranked = rows[order]
    return bool((ranked[twins + 1] == ranked[twins]).all()), True


def _one_hot(rows: np.ndarray) -> bool:
    """Whether every row [..., C] is one-hot: log 1 = 0 at one class, ``-inf`` at the others."""
    return bool(((rows == 0) | np.isneginf(rows)).all() and ((rows == 0).sum(axis=-1) == 1).all())


def _api_kind(kind: str) -> str:
    """The same setting as `mia_defense.api.observations_from_arrays` names it, added to each
    hint that names the file's field: a user of the API told only "say output_kind=logits"
    passed output_kind= and got a TypeError (its keyword is kind=)."""
    return f" (kind='{kind}' in api.observations_from_arrays)"


def _value_problems(values: np.ndarray, kind: str, name: str) -> list[str]:
    """Released outputs that cannot be of ``kind``: NaN, infinities where none may be,
    log-probabilities above 0 or probabilities outside [0, 1], a row that withholds all.
    Each check reads a block at a time (`_found`): a mask of the whole [K, N, C] array was
    a quarter of float32 outputs more, several at once."""
    if nan := _found(values, lambda block: (np.isnan(block), block)):
        return [f"{name}: NaN {nan[0]}; released outputs must be numbers"]
    hint = ""
    if kind != "logits":
        hint = f"; if these are logits, say output_kind=logits{_api_kind('logits')}"
    if kind == "logits":
        if infinite := _found(values, lambda block: (~np.isfinite(block), block)):
            return [f"{name}: infinite logit {infinite[0]}; logits are finite"]
        if looks_like_probabilities(values):
            return [f"{name}: every output lies in [0, 1] and sums to 1: probabilities, not "
                    "logits (as logits, the softmax squeezes them towards uniform and the "
                    "attacks understate the leak); say output_kind=probabilities"
                    f"{_api_kind('probabilities')}"]
        return _range_problems(values, kind, name)
    high = 0.0 if kind == "log_probabilities" else 1.0

    def out_of_range(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bad = (block > high + _TOLERANCE) | (np.isinf(block) & (block > 0))
        if kind == "probabilities":
            bad |= block < 0
        return bad, block

    if bad := _found(values, out_of_range):
        allowed = "<= 0 (-inf where withheld)" if high == 0.0 else "in [0, 1]"
        return [f"{name}: {kind} must be {allowed}, found {bad[1]:g} {bad[0]}{hint}"]
    if kind == "log_probabilities" and (problems := _range_problems(values, kind, name)):
        return problems
    withheld = np.empty(values.shape[:2], bool)
    for cells in _blocks(values):
        block = values[cells]
        withheld[cells] = ~(np.isfinite(block) if high == 0.0 else block > 0).any(axis=-1)
    if withheld.any():
        return [f"{name}: the output {_where(withheld)} withholds every class (all "
                f"{'-inf' if high == 0.0 else '0'}); each output must release one"]
    return []


# Probability mass above 1 that float32 rounding explains; an output whose top class has
# probability 1 and whose others hold more is not a distribution.
_MASS_TOLERANCE = 1e-3


# No rounding of a distribution sums above 2: each class rounded up gains less than half a
# step and needs at least half a step of mass to be rounded up.
_MAX_ROUNDED_MASS = 2.0


# Nor below 2/3 where it releases every class: each released class shows at least one step
# and lost less than half a step. Only withheld classes (top-k: 0, -inf) lower it further.
_MIN_ROUNDED_MASS = 2.0 / 3.0


def normalisation_problems(values: np.ndarray, kind: str, name: str) -> list[str]:
    """Outputs <= 0 (or in [0, 1]) that are no (rounded, truncated) distribution: logits
    minus their max (top class 0, the others finite) or per-class scores, whose losses bias
    the loss-based attacks. A withheld class lowers the total (top-k), rounding may raise
    it a little; neither makes the top class 1 beside released others, nor passes 2.
    The first model with a problem is named, its first problem in the order below; its rows
    are read a block at a time (`_blocks`: a model's float64 probabilities were 2x its
    outputs, 4x with their exp), each problem's first record kept with its count."""
    least = 2.0 / (3.0 * values.shape[-1])  # (`_normalisation_said`)
    # model k: {problem: [first record, count, values shown there]}, problems in their order
    found: dict[int, dict[str, list[Any]]] = {}
    for cells in _blocks(values):
        block = values[cells]
        probs = block.astype(np.float64)
        if kind == "log_probabilities":
            probs = np.exp(probs)
        total, top = probs.sum(axis=-1), probs.max(axis=-1)
        rows = {
            # every class below about -745: probability 0 at each, a row that releases
            # nothing, as an all -inf one; passed (-200 is refused as a sum far below 2/3),
            # and rows of -1e30 for every non-member read as a perfect attack
            # (all -inf rows are refused before: they withhold every class)
            "empty": total == 0 if kind == "log_probabilities" else None,
            "excess": (total > _MAX_ROUNDED_MASS + _MASS_TOLERANCE) | (
                (top >= 1.0 - 1e-6) & (total > 1.0 + _MASS_TOLERANCE)),
            "short": (probs > 0).all(axis=-1) & (total < _MIN_ROUNDED_MASS - _MASS_TOLERANCE),
            "low": (top > 0) & (top < least * (1.0 - _MASS_TOLERANCE)),
        }  # fmt: skip
        for problem, off in rows.items():
            if off is None or not off.any():
                continue
            for j in np.flatnonzero(off.any(axis=-1)):  # (a model's blocks come in order)
                n = int(np.argmax(off[j]))
                seen = found.setdefault(cells[0].start + j, {}).setdefault(
                    problem, [(cells[1].start or 0) + n, 0, block[j, n].max(), total[j, n],
                              top[j, n]])  # fmt: skip
                seen[1] += int(off[j].sum())
    for k in sorted(found):
        for problem in ("empty", "excess", "short", "low"):  # (as `rows`)
            if problem in found[k]:
                first, count, largest, total_n, top_n = found[k][problem]
                return [_normalisation_said(problem, first, count, (largest, total_n, top_n),
                                            k, kind, name, values.shape[-1])]  # fmt: skip
    return []


def _normalisation_said(problem: str, n: int, count: int, shown: tuple[Any, Any, Any], k: int,
                        kind: str, name: str, c: int) -> str:
    """The line of `normalisation_problems` for ``problem`` first on record ``n`` of model
    ``k`` (``count`` records of it); ``shown``: its largest value, total and top class."""
    largest, total, top = shown
    least = 2.0 / (3.0 * c)
    if problem == "empty":
        more = f" (and {count - 1} more of model {k})" if count > 1 else ""
        return (f"{name}: the log_probabilities of record {n} of model {k} are all so low "
                f"(largest {largest:g}) that every class has probability 0{more}: the output "
                "releases nothing; each output must release a class (-inf for each class a "
                "release withholds)")
    if problem == "excess":
        more = f" (and {count - 1} more of model {k})" if count > 1 else ""
        return (f"{name}: the {kind} of record {n} of model {k} sum to {total:.4g} (top class "
                f"{top:.4g}){more}, not a distribution: logits minus their max, or per-class "
                f"scores? If these are logits, say output_kind=logits{_api_kind('logits')}")
    where = f"{name}: the {kind} of model {k}"
    more = f" (and {count - 1} more)" if count > 1 else ""
    zero = "-inf" if kind == "log_probabilities" else "0"
    if problem == "short":  # per-class scores (one-vs-rest sigmoids), a distribution scaled
        # down, whose losses and LiRA's logits mislead the attacks; top-k withholds classes
        return (f"{where} on record {n} sum to {total:.4g}{more} with every class released: "
                "not a distribution, nor a rounded one (at least 2/3); per-class scores, or "
                f"probabilities scaled down? Give outputs that sum to 1, with {zero} for each "
                "class a release withholds (top-k)")
    # the top class of C has probability at least 1/C, top-k keeps it, renormalising raises
    # it, and rounding to d decimals keeps a released value (>= 10^-d) within half a step,
    # so at 2/3 of it or more (one class rounded to 0 everywhere is released at 10^-d,
    # above 2/C). A top-1 row [-800, -800, -5] at C=3 passed as a release of the top class
    # at p=0.0067.
    low_values = " (log-probabilities below about -745 are probability 0)" if (
        kind == "log_probabilities") else ""
    return (f"{where} on record {n} release a top class of probability {top:.3g}{more}, "
            f"below 2/(3C) = {least:.3g} for C={c} classes: a distribution's top class has "
            "probability at least 1/C, which no top-k, renormalised or rounded release "
            f"lowers that far{low_values}; per-class scores, or outputs shifted down? Give "
            f"outputs that sum to 1, with {zero} for each class a release withholds (top-k)")


# Rounding to d decimals leaves every value a multiple of 10^-d, within float32's rounding
# of the stored log-probability (relative 1e-7: beyond 6 decimals no grid shows); finer
# rounding loses less than the mass tolerance on up to 2000 classes anyway.
_MAX_GRID_DECIMALS = 6


def _grid_decimals(probs: np.ndarray) -> set[int]:
    """Each d <= `_MAX_GRID_DECIMALS` for which ``probs`` are all multiples of 10^-d: what a
    rounding release gives (on a grid: some d). Parts of the values give the whole's grids
    as the intersection of theirs (`_mass_notes` reads a model a block of rows at a time)."""
    grids = set()
    for d in range(_MAX_GRID_DECIMALS + 1):
        steps = probs * 10.0**d
        if np.all(np.abs(steps - np.round(steps)) <= 0.01 + 2e-7 * steps):
            grids.add(d)
    return grids


def _mass_notes(log_probs: np.ndarray) -> list[str]:
    """What to say of outputs [K, N, C] whose totals no rounding explains, off any rounding
    grid (those beyond 2/3 and 2 are refused, `normalisation_problems`): releasing every
    class yet summing below 1 (0.9 times a distribution passed in silence), or summing
    above 1 (1.4 times one, capped below 1, too); the attacks read them as distributions.
    One pass over the outputs for both, a block of rows at a time (`_blocks`: a model's
    float64 probabilities were 2x its float32 outputs, 400 MiB for N=50, C=10^6)."""
    found = {"short": [0, ""], "excess": [0, ""]}  # count, first
    grids: dict[str, dict[int, set[int]]] = {"short": {}, "excess": {}}  # model: decimals
    for cells in _blocks(log_probs):
        probs = np.exp(log_probs[cells].astype(np.float64))
        total = probs.sum(axis=-1)
        rows = {"short": (probs > 0).all(axis=-1) & (total < 1.0 - _MASS_TOLERANCE),
                "excess": total > 1.0 + _MASS_TOLERANCE}
        for kind, off in rows.items():
            if not off.any():
                continue
            j, n = np.argwhere(off)[0]
            seen = found[kind]
            seen[0] += int(off.sum())
            first = f"model {cells[0].start + j}, record {(cells[1].start or 0) + n}"
            seen[1] = seen[1] or f"{first}: {total[j, n]:.4g}"
            for j in np.flatnonzero(off.any(axis=-1)):
                model, decimals = cells[0].start + j, _grid_decimals(probs[j][off[j]])
                grids[kind][model] = grids[kind].get(model, decimals) & decimals
    for kind, seen in found.items():  # (off grid: some model's rows on no grid)
        seen.append(not all(grids[kind].values()))
    notes = []
    count, first, off_grid = found["short"]
    if off_grid:
        notes.append(f"{count} outputs release every class yet sum below 1 ({first}), on no "
                     "rounding grid: the attacks read them as distributions; give outputs "
                     "that sum to 1 (0 or -inf for each withheld class)")
    count, first, off_grid = found["excess"]
    if off_grid:
        notes.append(f"{count} outputs sum above 1 ({first}), on no rounding grid: the "
                     "attacks read them as distributions; give outputs that sum to 1 "
                     "(probabilities scaled up, or per-class scores?)")
    return notes
