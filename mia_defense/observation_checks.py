"""The checks of an observations file's arrays (`mia_defense.observations`, the format of
docs/observations.md): `observation_problems` lists every problem of the fields, one line
each naming its field (shapes, dtypes, output kind, labels, masks, the optional fields,
metadata), which `Observations.load`, `Observations.from_arrays` and `Observations.save`
refuse in one `DataError`; the value checks of the released outputs (values that cannot be
of their output kind, rows that are no rounded or truncated distribution) read them a block
of rows at a time (`_blocks`), a few MiB on top of them, not multiples of the whole array;
and what the outputs let out (`labels_only`). Torch-free, as the file format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mia_defense.constraints import is_integer
from mia_defense.errors import first_few
from mia_defense.files import MAX_JSON_DEPTH, json_depth

# What a file's released outputs may be (``output_kind``); ``log_probs`` holds the first.
OUTPUT_KINDS = ("log_probabilities", "probabilities", "logits")
_AUGMENTED = ("augmented_logits", "augmented_predictions")
# Float32 rounding: a log-probability up to this much above 0, a probability above 1.
_TOLERANCE = 1e-4
# How many offending records a problem line names.
_SHOWN = 5


# The metadata keys `mia_defense.api.observe_models` writes of its own queries: the population's
# outputs average this many answers of a randomized release, and the members' accuracy of one
# answer each. They set results.json's train accuracy and query budget and skip the mask
# check's comparison with the test set, so only `RecordedMetadata` holds them.
RESERVED_METADATA = ("randomized_release_repeats", "train_accuracy_one_answer")


def _output_kind(arrays: Mapping[str, np.ndarray]) -> str:
    value = arrays.get("output_kind")
    return OUTPUT_KINDS[0] if value is None else str(value)


def _metadata(arrays: Mapping[str, np.ndarray]) -> dict[str, Any] | None:
    value = arrays.get("metadata")
    return None if value is None else json.loads(str(value))


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


def _records(columns: np.ndarray) -> str:
    """``records 3, 7 (2 of 10)``: the first offending columns of a [N] bool array."""
    bad = np.flatnonzero(columns)
    shown = first_few(bad, _SHOWN)
    return f"record{'s' if len(bad) > 1 else ''} {shown} ({len(bad)} of {len(columns)})"


def _kind_problems(arrays: Mapping[str, np.ndarray], name: str) -> list[str]:
    """``output_kind`` must name one of `OUTPUT_KINDS`, be given with ``outputs`` and agree
    with ``log_probs``."""
    value = arrays.get("output_kind")
    if value is None:
        if name == "outputs":
            return [f"output_kind: missing; say what outputs holds: output_kind=one of "
                    f"{', '.join(OUTPUT_KINDS)}"]  # fmt: skip
        return []
    if value.ndim != 0 or value.dtype.kind not in "US" or str(value) not in OUTPUT_KINDS:
        return [f"output_kind={value.tolist()!r}: must be one of {', '.join(OUTPUT_KINDS)}"]
    if name == "log_probs" and str(value) != OUTPUT_KINDS[0]:
        return [f"output_kind={str(value)!r}: the file stores log_probs, which hold "
                "log-probabilities; store other outputs as outputs with their output_kind"]
    return []


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


# What a logit of -inf is: a class withheld (top-k masking), which log-probabilities say.
_WITHHELD_LOGIT = (": a class withheld with -inf (top-k masking) is a log-probability of -inf, "
                   "so give the log-softmax of these logits with output_kind=log_probabilities"
                   f"{_api_kind('log_probabilities')}")


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
            return [f"{name}: infinite logit {infinite[0]}; logits are finite"
                    + (_WITHHELD_LOGIT if infinite[1] < 0 else "")]
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
# step and needs at least half a step of mass to be rounded up. On its grid of step s
# (10^-d) m released classes gain at most m*s/2 (`_most_rounded_mass`); a sum of 2 needs
# every released class at one step, so off any grid a sum of 2 is no rounding (h598:
# 2/3 for each of 3 classes passed).
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
            "excess": (total > _most_rounded_mass(probs, total)) | (
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


def _most_rounded_mass(probs: np.ndarray, total: np.ndarray) -> np.ndarray:
    """The most each output of ``probs`` [..., C] (summing to ``total``) may sum to as a
    rounded distribution, float32's rounding included: a rounding to d decimals gains at
    most half a step on each of the m classes it releases, 1 + m * 10^-d / 2, read from the
    output's own coarsest grid (`_on_grid`: 0.6 for each of 3 classes, 1.8, passed at most
    1.15); an output on no grid is no rounding, nor can it reach 2 (see `_MAX_ROUNDED_MASS`).
    Only outputs above 1 are read for their grid."""
    most = np.full(total.shape, _MAX_ROUNDED_MASS + _MASS_TOLERANCE)
    above = total > 1.0 + _MASS_TOLERANCE
    if not above.any():
        return most
    rows = probs[above]
    step = np.full(len(rows), np.nan)  # (NaN: on no grid yet)
    for d in range(_MAX_GRID_DECIMALS + 1):
        step[np.isnan(step) & _on_grid(rows, d).all(axis=-1)] = 10.0**-d
    released = (rows > 0).sum(axis=-1)
    gained = np.minimum(_MAX_ROUNDED_MASS, 1.0 + released * step / 2) + _MASS_TOLERANCE
    most[above] = np.where(np.isnan(step), _MAX_ROUNDED_MASS - _MASS_TOLERANCE, gained)
    return most


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
    return {d for d in range(_MAX_GRID_DECIMALS + 1) if _on_grid(probs, d).all()}


def _on_grid(probs: np.ndarray, d: int) -> np.ndarray:
    """Which of ``probs`` are multiples of 10^-d, within float32's rounding of the stored
    log-probabilities (a hundredth of a step, or their relative 2e-7)."""
    steps = probs * 10.0**d
    return np.abs(steps - np.round(steps)) <= 0.01 + 2e-7 * steps


def _mass_notes(log_probs: np.ndarray) -> list[str]:
    """What to say of outputs [K, N, C] whose totals no rounding explains, off any rounding
    grid (those below 2/3, or at 2, are refused, `normalisation_problems`): releasing
    every class yet summing below 1 (0.9 times a distribution passed in silence), or summing
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


def _beyond_clip(logits: np.ndarray, name: str) -> list[str]:
    """``logits`` (true-class logits [K, A, N]) beyond +-`SIGNAL_CLIP`, where mia-train
    clips them and the plain query's (`true_class_logit`): two of 1e6 among 1600 widened
    LiRA's pooled variance of their query, augmented online AUC 0.82 -> 0.70, silently."""
    from mia_defense.attacks.signals import SIGNAL_CLIP  # (its package imports this module)

    beyond = np.abs(logits) > SIGNAL_CLIP
    if not beyond.any():
        return []
    return [f"{name}: {logits[beyond].flat[0]:g} {_where(beyond)} beyond +-{SIGNAL_CLIP:g}, "
            "where the attacks clip the plain query's logit log(p_y / (1 - p_y)); clip these "
            f"as mia-train does (np.clip(augmented_logits, -{SIGNAL_CLIP:g}, "
            f"{SIGNAL_CLIP:g}))"]


def _label_problems(labels: np.ndarray, name: str, num_classes: int) -> list[str]:
    if labels.dtype.kind not in "iu":  # (timedelta64, which numpy counts as an integer, too)
        return [f"{name}: dtype {labels.dtype}, expected integers (class indices)"]
    out = (labels < 0) | (labels >= num_classes)
    if out.any():
        return [f"{name}: label {labels[out][0]} {_where(out)} is outside [0, {num_classes}) "
                f"(C={num_classes} classes in the outputs)"]
    return []


def zero_one_flags(values: Any) -> np.ndarray | None:
    """``values`` as bool when they are bool, or numbers that are all 0 or 1 (as `masks`
    may be: integers or floats), else ``None``. One reading of ``is_canary`` for the file
    check, mia-attack and `mia_defense.api.audit`: 0/1 integers passed the first and the
    last, and mia-attack refused them ("expected [N] bool"). The records `run_attacks` pools
    and `slice_metrics`' slices are read so too (a list of lists of other lengths: ``None``)."""
    try:
        flags = np.asarray(values)
    except (TypeError, ValueError):
        return None
    if flags.dtype == bool:
        return flags
    if flags.dtype.kind not in "iuf" or not np.isin(flags, (0, 1)).all():
        return None
    return flags.astype(bool)


def _canary_flags(arrays: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """[N] bool: the records a writer's ``is_canary`` flags (mia-train's canaries), all
    False unless it is one 0/1 (or true/false) flag per record."""
    flags = arrays.get("is_canary")
    read = None if flags is None or flags.shape != (n,) else zero_one_flags(flags)
    return np.zeros(n, dtype=bool) if read is None else read


def _mask_problems(masks: np.ndarray, canaries: np.ndarray) -> list[str]:
    """0/1 values, and every record IN for some model and OUT for another; ``canaries``
    are exempt from the latter: the one-run audit draws their membership at random (a
    canary of few models may be IN for all or none), and the attacks report them apart."""
    if masks.dtype != bool:
        if masks.dtype.kind not in "iuf":  # (timedelta64 counts as an integer in numpy)
            return [f"masks: dtype {masks.dtype}, expected bool (or 0/1 integers)"]
        odd = (masks != 0) & (masks != 1)
        if odd.any():
            return [f"masks: values must be 0/1 or true/false (member or not), found "
                    f"{masks[odd].flat[0]:g} {_where(odd)}"]  # fmt: skip
    members = masks.astype(bool)
    problems = []
    for word, bad, fix in (
        ("never IN (a member of no model)", ~members.any(axis=0) & ~canaries,
         "train some model on it"),
        ("never OUT (a member of every model)", members.all(axis=0) & ~canaries,
         "hold it out of some"),
    ):
        if bad.any():
            problems.append(
                f"masks: {_records(bad)} {'are' if bad.sum() > 1 else 'is'} {word}: an attack "
                f"compares a record's IN and OUT models; {fix}, or drop the record"
            )
    return problems


def _optional_problems(
    arrays: Mapping[str, np.ndarray], kind: str, prefix: str, k: int, n: int, c: int
) -> list[str]:
    """The optional fields: augmented queries, gradient norms, the test set, metadata."""
    problems = []
    given = [name for name in _AUGMENTED if name in arrays]
    if len(given) == 1:
        problems.append(f"{given[0]}: given without {set(_AUGMENTED).difference(given).pop()}; "
                        "they go together")  # fmt: skip
    for name in given if len(given) == 2 else ():
        value = arrays[name]
        if value.ndim != 3 or value.shape[0] != k or value.shape[2] != n:
            problems.append(f"inconsistent shapes: {name} has shape {value.shape}, expected "
                            f"[K, A, N] = [{k}, A, {n}]")  # fmt: skip
        elif name == "augmented_logits" and not np.issubdtype(value.dtype, np.floating):
            problems.append(f"{name}: dtype {value.dtype}, expected float")
        elif name == "augmented_logits" and not np.isfinite(value).all():
            # one NaN or inf made LiRA's pooled variance NaN: the attack was skipped, the
            # verdict left to weaker attacks
            problems.append(f"{name}: NaN or infinite {_where(~np.isfinite(value))}; these "
                            "logits must be finite: clip log(p_y / (1 - p_y)), as mia-train "
                            "does")  # fmt: skip
        elif name == "augmented_logits":
            problems += _beyond_clip(value, name)
        elif name == "augmented_predictions":
            problems += _label_problems(value, name, c)
    if len(given) == 2 and arrays[_AUGMENTED[0]].shape != arrays[_AUGMENTED[1]].shape:
        problems.append("inconsistent shapes: augmented_logits and augmented_predictions "
                        "differ in A")  # fmt: skip
    norms = arrays.get("grad_norms")
    if norms is not None:
        if norms.shape != (k, n):
            problems.append(f"inconsistent shapes: grad_norms has shape {norms.shape}, "
                            f"expected [K, N] = [{k}, {n}]")  # fmt: skip
        elif not np.issubdtype(norms.dtype, np.floating):
            problems.append(f"grad_norms: dtype {norms.dtype}, expected float")
        elif not (np.isfinite(norms) & (norms >= 0)).all():
            problems.append(f"grad_norms: must be finite and >= 0, "
                            f"{_where(~(np.isfinite(norms) & (norms >= 0)))}")  # fmt: skip
    if kind:
        problems += _test_problems(arrays, kind, f"test_{prefix or 'log_probs'}", k, c)
    if "metadata" in arrays:
        problems += _metadata_problems(arrays)
    return problems


def _metadata_problems(arrays: Mapping[str, np.ndarray]) -> list[str]:
    """A metadata string that is not a JSON object, or one nested too deep for the recursive
    writers of results.json (json.loads itself stops with a RecursionError near 1000)."""
    try:
        metadata = _metadata(arrays)
    except (ValueError, TypeError, RecursionError):
        metadata = None
    if not isinstance(metadata, dict):
        return ["metadata: must be a string holding a JSON object, e.g. "
                "np.array(json.dumps({'dataset': 'digits'}))"]  # fmt: skip
    depth = json_depth(metadata)
    if depth > MAX_JSON_DEPTH:
        return [f"metadata: a JSON object nested {depth} levels deep; keep it to at most "
                f"{MAX_JSON_DEPTH} (facts such as dataset, model, defense)"]  # fmt: skip
    return _recorded_problems(metadata)


def _recorded_problems(metadata: Mapping[str, Any]) -> list[str]:
    """`RESERVED_METADATA` values that are not what `mia_defense.api.observe_models` writes:
    a count of answers >= 2, and the members' accuracy of one answer, in [0, 1], beside it.
    A file's other values were read as one answer each (repeats 1, true) or the accuracy
    ignored ('0.9' as text), without a word."""
    repeats_key, accuracy_key = RESERVED_METADATA
    problems = []
    repeats = metadata.get(repeats_key)
    if repeats_key in metadata and not is_integer(repeats, low=2):
        problems.append(
            f"metadata: {repeats_key}={repeats!r}: api.observe_models records there how many "
            "answers of a randomized release each population output averages, an integer >= "
            "2; fix it, or remove the key for outputs of one answer each"
        )
    accuracy = metadata.get(accuracy_key)
    number = isinstance(accuracy, int | float) and not isinstance(accuracy, bool)
    if accuracy_key in metadata and (
        repeats_key not in metadata or not (accuracy is None or (number and 0 <= accuracy <= 1))
    ):
        problems.append(
            f"metadata: {accuracy_key}={accuracy!r}: api.observe_models records there the "
            f"members' accuracy of one answer each (a number in [0, 1]) beside {repeats_key}; "
            "fix it, or remove the key"
        )
    return problems


def _test_problems(
    arrays: Mapping[str, np.ndarray], kind: str, name: str, k: int, c: int
) -> list[str]:
    other = "test_outputs" if name == "test_log_probs" else "test_log_probs"
    if other in arrays:
        return [f"{other}: the file stores {name[5:]}, so its test outputs are {name}"]
    test, labels = arrays.get(name), arrays.get("test_labels")
    if test is None and labels is None:
        return []
    if test is None or labels is None:
        given, missing = (name, "test_labels") if labels is None else ("test_labels", name)
        return [f"{given}: given without {missing}; they go together"]
    if not np.issubdtype(test.dtype, np.floating):
        return [f"{name}: dtype {test.dtype}, expected float"]
    if test.ndim != 3 or test.shape[0] != k or test.shape[2] != c or labels.shape != (
        test.shape[1],
    ):
        return [f"inconsistent shapes: {name} has shape {test.shape} and test_labels "
                f"{labels.shape}, expected [K, M, C] = [{k}, M, {c}] and [M]"]  # fmt: skip
    if test.shape[1] == 0:  # (its mean accuracy and loss were NaN, with numpy's warnings)
        return [f"{name}: shape {test.shape}: no test records (M=0); give the models' outputs "
                f"on held-out records, or leave {name} and test_labels out"]
    problems = _value_problems(test, kind, name) + _label_problems(labels, "test_labels", c)
    if problems or kind not in ("log_probabilities", "probabilities"):
        return problems
    # the population's rule for the test set's outputs too: log-probabilities shifted by -1
    # (probabilities scaled by 0.37) or all near -800 passed here, and their test loss
    # flagged the right masks MASKS SUSPECT (the OUT records fit better than such a test set)
    return normalisation_problems(test, kind, name)


def observation_problems(arrays: Mapping[str, np.ndarray], *, attacked: bool = True) -> list[str]:
    """Every problem of the fields of an observations file, one line each naming its field
    (empty: the arrays are a valid file); ``schema_version`` is `Observations.load`'s.
    ``attacked=False`` leaves out what only an attack needs (K >= 2, every record IN some
    model and OUT of another): the utility of one model's outputs is still well defined."""
    name = "log_probs" if "log_probs" in arrays or "outputs" not in arrays else "outputs"
    missing = [k for k in (name, "masks", "labels") if k not in arrays]
    if missing:
        return [f"{', '.join(missing)}: missing; an observations file needs log_probs (or "
                "outputs with output_kind), masks and labels"]  # fmt: skip
    problems = _kind_problems(arrays, name)
    if name == "log_probs" and "outputs" in arrays:
        problems.append("outputs: give log_probs or outputs, not both")
    values, masks, labels = arrays[name], arrays["masks"], arrays["labels"]
    if not np.issubdtype(values.dtype, np.floating):
        return [*problems, f"{name}: dtype {values.dtype}, expected float [K, N, C]"]
    if values.ndim != 3:
        return [*problems, f"inconsistent shapes: {name} has shape {values.shape}, expected "
                           "[K, N, C] (models, records, classes)"]  # fmt: skip
    k, n, c = values.shape
    if k < 2 and attacked:
        problems.append(f"{name}: K={k} model; membership inference compares models that "
                        "trained on a record with models that did not: give K >= 2")
    # Every shape problem at once (the masks' and labels' too beside no records or one class).
    shapes_ok = masks.shape == (k, n) and labels.shape == (n,)
    shape_problems = [] if shapes_ok else [
        f"inconsistent shapes: masks has shape {masks.shape} and labels {labels.shape}, "
        f"expected [K, N] = [{k}, {n}] and [N] = [{n}] (from {name} {values.shape})"]
    if n == 0 or c == 0:
        empty = "records (N=0)" if n == 0 else "classes (C=0)"
        return [*problems, f"{name}: shape {values.shape}: no {empty}; an observations file "
                           "holds every model's output on each record attacked",
                *shape_problems]  # fmt: skip
    if c == 1:  # (softmax over one class: log-probability 0 everywhere, AUC 0.500)
        return [*problems, f"{name}: shape {values.shape}: one class (C=1), so every record's "
                           "log-probability is 0 in every model and no attack can see a leak; "
                           "give a binary classifier's score z or probability p as two "
                           "columns: [0, z] as logits, [1 - p, p] as probabilities",
                *shape_problems]  # fmt: skip
    problems += shape_problems
    kind = _output_kind(arrays) if name == "outputs" else OUTPUT_KINDS[0]
    kind = kind if kind in OUTPUT_KINDS else ""  # unknown: reported above, values unchecked
    problems += _value_problems(values, kind, name) if kind else []
    if shapes_ok:
        problems += _label_problems(labels, "labels", c)
        problems += _mask_problems(masks, _canary_flags(arrays, n)) if k >= 2 and attacked else []
    prefix = "" if name == "log_probs" else "outputs"
    problems += _optional_problems(arrays, kind, prefix, k, n, c)
    # Rows that do not normalise, last: arrays made up to test another check (zeros as
    # log-probabilities) then still name that check's problem alone.
    if problems or kind not in ("log_probabilities", "probabilities"):
        return problems
    return normalisation_problems(values, kind, name)
