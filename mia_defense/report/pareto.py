"""The Pareto front of a privacy-utility tradeoff: no other run is both more accurate and
less leaky."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TypeVar

__all__ = ["pareto_front", "pareto_fronts"]

K = TypeVar("K", bound=Hashable)


def pareto_front(utility: Sequence[float], leakage: Sequence[float]) -> list[int]:
    """Indices of the runs no other run dominates (utility up, leakage down).

    Run j dominates run i when it is at least as good on both and better on one.
    Runs with a NaN figure are left out. The front is ordered by increasing leakage.

    Args:
        utility: [R] higher is better (e.g. test accuracy).
        leakage: [R] lower is better (e.g. the strongest attack's TPR at 0.1% FPR).
    """
    if len(utility) != len(leakage):
        raise ValueError(f"utility has {len(utility)} runs but leakage has {len(leakage)}")
    points = [
        (i, float(u), float(leak))
        for i, (u, leak) in enumerate(zip(utility, leakage, strict=True))
        if not (math.isnan(u) or math.isnan(leak))
    ]
    # One pass by increasing leakage (each pair compared, a sweep of thousands of rows along
    # a tradeoff curve, all on the front, took 15 s for 6000): a run is on the front when
    # it is the most accurate of its leakage (ties all stay) and more accurate than every
    # run that leaks less.
    points.sort(key=lambda p: (p[2], -p[1]))
    front: list[int] = []
    best: float | None = None  # the highest utility of the runs leaking less (none yet)
    start = 0
    while start < len(points):
        end = start
        while end < len(points) and points[end][2] == points[start][2]:
            end += 1
        top = points[start][1]  # (sorted: the first of its leakage is the most accurate)
        if best is None or top > best:
            front += [i for i, u, _ in points[start:end] if u == top]
        best = top if best is None else max(best, top)
        start = end
    return front

def pareto_fronts(
    keys: Sequence[K], utility: Sequence[float], leakage: Sequence[float]
) -> dict[K, list[int]]:
    """One Pareto front per key (e.g. per (dataset, model): runs of different datasets or
    models are never compared), as indices into the whole sequences, by increasing leakage.

    Args:
        keys: [R] the comparison each run belongs to; the fronts come in first-seen order.
        utility, leakage: [R] as in `pareto_front`.
    """
    if not len(keys) == len(utility) == len(leakage):
        raise ValueError(
            f"keys, utility and leakage differ in length: {len(keys)}, {len(utility)}, "
            f"{len(leakage)}"
        )
    fronts: dict[K, list[int]] = {}
    for key in dict.fromkeys(keys):
        members = [i for i, k in enumerate(keys) if k == key]
        front = pareto_front([utility[i] for i in members], [leakage[i] for i in members])
        fronts[key] = [members[j] for j in front]
    return fronts
