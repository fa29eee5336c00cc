"""Empirical ε lower bound from attack error rates (Jagielski et al. 2020; Nasr et al. 2021)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from scipy.special import betaincinv, ndtri

from mia_defense.constraints import shown
from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics.inputs import as_fraction, as_integer, as_scores

__all__ = [
    "clopper_pearson_upper",
    "empirical_epsilon",
    "epsilon_from_rates",
    "level_text",
    "wilson_interval",
]

_DELTA_EXAMPLE = "e.g. the DP run's delta or 1e-5"


def clopper_pearson_upper(errors: np.ndarray, trials: int, alpha: float) -> np.ndarray:
    """One-sided (1 - alpha) Clopper-Pearson upper bounds on error rates ``errors / trials``.

    Counts that are none (``errors`` negative, fractional, NaN or more than ``trials``: -1 was
    a NaN bound, silently), ``trials`` no whole number >= 0 and ``alpha`` outside (0, 1) are
    refused (`DataError`, `ConfigError`).
    """
    where = "clopper_pearson_upper"
    as_integer(trials, key=f"{where}: trials", low=0)
    as_fraction(alpha, key=f"{where}: alpha", note="e.g. 0.05 for a 95% bound")
    fix = "give counts of errors, whole numbers from 0 to trials"
    try:
        errors = as_scores(errors, where=where, name="errors")
    except DataError:  # (its message asks for membership scores)
        raise DataError(f"{where}: errors: not numbers; {fix}") from None
    bad = ~((errors >= 0) & (errors <= trials) & (errors == np.floor(errors)))  # (NaN: bad)
    if bad.any():
        raise DataError(f"{where}: errors holds {errors[bad].ravel()[0].item()!r} (trials="
                        f"{trials}); {fix}")  # fmt: skip
    # betaincinv(a, b, q) is beta.ppf(q, a, b), the same floats (Boost's inverse of the
    # regularised incomplete beta function), without importing scipy.stats
    upper = betaincinv(errors + 1, np.maximum(trials - errors, 1e-12), 1.0 - alpha)
    return np.where(errors >= trials, 1.0, upper)  # (NaN where Boost fails: about 1e11)


def epsilon_from_rates(fpr: np.ndarray, fnr: np.ndarray, *, delta: float) -> np.ndarray:
    """ε implied by an (ε, δ)-DP mechanism's hypothesis-test region at error rates (FPR, FNR).

    Any test against (ε, δ)-DP satisfies FPR + e^ε FNR >= 1 - δ and FNR + e^ε FPR >= 1 - δ
    (Kairouz et al. 2015), so ε >= max(log((1 - δ - FPR) / FNR), log((1 - δ - FNR) / FPR)).
    Rates outside [0, 1] (or NaN) and a δ outside [0, 1) are refused (`DataError`,
    `ConfigError`): they gave an ε (a δ of -1 a larger one).
    """
    where = "epsilon_from_rates"
    as_fraction(delta, key=f"{where}: delta", zero=True, note=_DELTA_EXAMPLE)
    fpr, fnr = _rates(where, "fpr", fpr), _rates(where, "fnr", fnr)
    return _epsilon(fpr, fnr, delta)


def _epsilon(fpr: np.ndarray, fnr: np.ndarray, delta: float) -> np.ndarray:
    """`epsilon_from_rates` of checked rates (NaN, from a bound that failed, reads as 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.log(np.maximum(1.0 - delta - fpr, 0.0) / fnr)
        b = np.log(np.maximum(1.0 - delta - fnr, 0.0) / fpr)
    eps = np.fmax(np.nan_to_num(a, nan=0.0, neginf=0.0), np.nan_to_num(b, nan=0.0, neginf=0.0))
    return np.maximum(eps, 0.0)


def empirical_epsilon(
    fpr: np.ndarray,
    tpr: np.ndarray,
    *,
    num_members: int,
    num_nonmembers: int,
    delta: float,
    confidence: float = 0.95,
    max_thresholds: int = 20,
) -> float:
    """A (confidence)-level lower bound on the ε of a DP training run, from an attack's ROC.

    The error counts at each threshold are bounded above by Clopper-Pearson, so a lucky
    attack cannot claim more ε than the data support. Only ``max_thresholds`` ROC points
    (at log-spaced FPRs) are tried, with a Bonferroni correction over them, so picking the
    best threshold after the fact does not inflate the bound either. Each (target, record)
    decision counts as one trial, as membership audits do.

    Args:
        fpr, tpr: the ROC curve (e.g. from `roc_metrics`).
        num_members, num_nonmembers: trials behind TPR and FPR.
        delta: the δ of the run (the DP accountant's, else a conventional 1e-5).
        confidence: probability that the bound holds.
        max_thresholds: ROC points tried.

    A setting out of its range (a confidence of 0 claimed more ε than 0.95 did), a count of
    trials that is no whole number, or a curve that is not one (rates outside [0, 1], NaN,
    a falling FPR, ``fpr`` and ``tpr`` of other lengths) is refused.
    """
    where = "empirical_epsilon"
    as_fraction(delta, key=f"{where}: delta", zero=True, note=_DELTA_EXAMPLE)
    level = as_fraction(confidence, key=f"{where}: confidence", note="e.g. 0.95")
    if level == 1.0:  # (a Fraction or longdouble below 1 that a float rounds to 1: 'alpha=0.0')
        raise ConfigError(
            f"{where}: confidence={shown(confidence)}: rounds to 1.0 as a float (the precision "
            "the bound is computed in), where it must be below 1 (a bound that holds with "
            "certainty proves no ε); give a number in (0, 1) that a float keeps below 1, e.g. "
            "0.95"
        )
    as_integer(num_members, key=f"{where}: num_members", low=0)
    as_integer(num_nonmembers, key=f"{where}: num_nonmembers", low=0)
    as_integer(max_thresholds, key=f"{where}: max_thresholds", low=1)
    fpr, tpr = _rates(where, "fpr", fpr), _rates(where, "tpr", tpr)
    if fpr.ndim != 1 or fpr.shape != tpr.shape:
        raise DataError(f"{where}: fpr {fpr.shape} and tpr {tpr.shape}: give the ROC curve as "
                        "two [P] arrays, one point each (roc_metrics' fpr and tpr)")  # fmt: skip
    if (np.diff(fpr) < 0).any():
        raise DataError(f"{where}: fpr falls along the curve; give the ROC curve in order of "
                        "increasing FPR, as roc_metrics returns it")  # fmt: skip
    if len(fpr) == 0 or num_members < 1 or num_nonmembers < 1:
        return float("nan")
    grid = np.geomspace(1.0 / num_nonmembers, 0.5, max_thresholds)
    picks = np.unique(np.clip(np.searchsorted(fpr, grid, side="right") - 1, 0, len(fpr) - 1))
    alpha = (1.0 - level) / (2 * len(picks))  # two bounds per threshold, Bonferroni
    fp = np.round(fpr[picks] * num_nonmembers)
    fn = np.round((1.0 - tpr[picks]) * num_members)
    fpr_high = clopper_pearson_upper(fp, num_nonmembers, alpha)
    fnr_high = clopper_pearson_upper(fn, num_members, alpha)
    if np.isnan(fpr_high).any() or np.isnan(fnr_high).any():
        return float("nan")  # no bound (`_epsilon` reads NaN as ε 0: a claim of no leak)
    return float(_epsilon(fpr_high, fnr_high, delta).max())


def wilson_interval(share: float, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of a proportion ``share`` measured on ``n`` records (an
    accuracy on a test set of ``n``); NaN when ``n < 1`` or ``share`` is no proportion (not
    finite, or outside [0, 1]: there it was a raw 'math domain error')."""
    if n < 1 or not math.isfinite(share) or not 0.0 <= share <= 1.0:
        return math.nan, math.nan
    z = float(ndtri((1.0 + level) / 2.0))  # the normal quantile, 1.96 at 95%
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    if share <= 0.0:  # (centre - half is a rounding error above 0 there)
        return 0.0, min(centre + half, 1.0)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def level_text(level: float) -> str:
    """A confidence level as a percentage, "95%" for a whole one and every digit otherwise:
    0.999999999 was printed as "100%" (a certainty no bound has) and 1e-9 as "0%"; ten
    digits, and more where ten round to a whole one (0.999999999999)."""
    exact = Decimal(repr(float(level))) * 100  # the digits the level was given with
    if exact == exact.to_integral_value():
        return f"{level:.0%}"
    percent = level * 100
    for digits in range(10, 18):
        text = f"{percent:.{digits}g}"
        if Decimal(text) != Decimal(text).to_integral_value():
            break
    return f"{text}%"


def _rates(where: str, name: str, values: object) -> np.ndarray:
    """``values`` as float64 rates, or a `DataError` naming them: not numbers, NaN, or
    outside [0, 1]."""
    rates = as_scores(values, where=where, name=name)
    if not ((rates >= 0.0) & (rates <= 1.0)).all():  # (NaN fails both)
        raise DataError(f"{where}: {name} holds values outside [0, 1] (or NaN); give error "
                        "rates, fractions in [0, 1]")  # fmt: skip
    return rates
