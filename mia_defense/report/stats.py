"""A figure of a report row: its mean over the row's runs, a 95% interval and the spread."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.special import stdtrit

from mia_defense.metrics.epsilon import wilson_interval

__all__ = ["LEVEL", "Estimate", "estimate", "t_interval", "wilson_interval"]

# The level of every interval the report computes (the attacks' bootstrap intervals are at
# attack.confidence, 0.95 by default).
LEVEL = 0.95
_NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """One figure of a report row.

    Attributes:
        value: the mean over the row's runs (the run's own figure for one run).
        low, high: the 95% interval: for one run, its own (the attacks' bootstrap over target
            records, the test accuracy's Student-t interval over the K models); for several
            runs, Student's t interval of the mean over the runs, widened where the runs'
            own intervals, combined, reach further (`_propagated`). NaN when unknown.
        std: the sample standard deviation over the runs; NaN for one run.
        minimum, maximum: the range over the runs; NaN for one run.
        n: how many runs have the figure.
    """

    value: float
    low: float = _NAN
    high: float = _NAN
    std: float = _NAN
    minimum: float = _NAN
    maximum: float = _NAN
    n: int = 1

    def text(self, digits: int) -> str:
        """``value [low, high]`` rounded to ``digits``, as the report's front and mia-report's
        summary show it: the value alone without an interval, ``–`` without a value (a row
        whose attacks report no AUC)."""
        if math.isnan(self.value):
            return "–"
        text = f"{self.value:.{digits}f}"
        if not (math.isnan(self.low) or math.isnan(self.high)):
            text += f" [{self.low:.{digits}f}, {self.high:.{digits}f}]"
        return text


def t_interval(mean: float, std: float, n: int, *, level: float = LEVEL) -> tuple[float, float]:
    """Student's t interval of a mean over ``n`` independent draws of sample std ``std``
    (``ddof=1``); NaN when ``n < 2`` or ``std`` is not finite."""
    if n < 2 or not math.isfinite(std):
        return _NAN, _NAN
    # stdtrit(df, p) is scipy.stats.t.ppf(p, df), the same float, without scipy.stats
    half = float(stdtrit(n - 1, (1.0 + level) / 2.0)) * std / math.sqrt(n)
    return mean - half, mean + half


def _clip(bounds: tuple[float, float] | None, low: float, high: float) -> tuple[float, float]:
    if bounds is None:
        return low, high
    return max(low, bounds[0]), min(high, bounds[1])


def estimate(
    values: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    *,
    bounds: tuple[float, float] | None = None,
) -> Estimate:
    """The `Estimate` of one figure over a row's runs.

    Args:
        values: [R] the figure of each run; NaN where a run lacks it (left out, ``n`` counts
            the others).
        intervals: [R] each run's own (low, high), used when a single run has the figure.
        bounds: the figure's range (``(0, 1)`` for a rate): a t interval is clipped to it.
    """
    kept = [(v, ci) for v, ci in zip(values, intervals, strict=True) if not math.isnan(v)]
    if not kept:
        return Estimate(_NAN, n=0)
    if len(kept) == 1:
        value, (low, high) = kept[0]
        return Estimate(value, low, high)
    array = np.array([v for v, _ in kept], dtype=np.float64)
    mean = _mean(array)
    # (the std about that mean, ddof=1: seeds of one value spread 0)
    std = float(np.sqrt(((array - mean) ** 2).sum() / (len(array) - 1)))
    low, high = t_interval(mean, std, len(array))
    own_low, own_high = _propagated(mean, kept)
    if not math.isnan(low):  # never narrower than what the runs' own intervals allow
        low, high = np.fmin(low, own_low), np.fmax(high, own_high)
    if std == 0 and math.isnan(own_low):
        # runs that all measure one value and say nothing of its precision (attack.bootstrap=0:
        # no interval of their own): t gives [v, v], a certainty, and an order against
        # other rows, that no run established; the interval is unknown
        low = high = _NAN
    low, high = _clip(bounds, float(low), float(high))
    return Estimate(mean, low, high, std, float(array.min()), float(array.max()), len(array))


def _mean(values: np.ndarray) -> float:
    """The mean of ``values`` rounded once (their exact sum over n): the same figures in
    another order give the same float, and seeds that all measure v give v. numpy's means
    of 0.7, 0.8, 0.9 and of 0.9, 0.8, 0.7 differed in the last bit, and so did three seeds'
    TPR 0.003 (0.0030000000000000005) from a one-seed row's: the larger "dominated" the
    other, a tie, off the front (and a std of 5e-19 made those seeds' figure a certainty)."""
    if not np.isfinite(values).all():
        return float(values.mean())
    return float(sum(map(Fraction, values.tolist()), Fraction(0)) / len(values))


def _propagated(
    mean: float, kept: Sequence[tuple[float, tuple[float, float]]]
) -> tuple[float, float]:
    """The interval of the mean that the runs' own intervals give, were the runs
    independent: each side's half-widths added in quadrature, over n (NaN when a run has
    none). Student's t over a few runs can be far narrower: two seeds of a DP run that both
    measure TPR 0.000 at 0.1% FPR (each [0.000, 0.004] from its bootstrap) made a row
    "0.000 [0.000, 0.000]", an order against other rows that no run established."""
    below = np.array([v - ci[0] for v, ci in kept], dtype=np.float64)
    above = np.array([ci[1] - v for v, ci in kept], dtype=np.float64)
    if np.isnan(below).any() or np.isnan(above).any():
        return _NAN, _NAN
    n = len(kept)
    return mean - math.sqrt(float((below**2).sum())) / n, mean + math.sqrt(
        float((above**2).sum())
    ) / n
