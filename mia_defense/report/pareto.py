"""The Pareto front of a privacy-utility tradeoff: no other run is both more accurate and
less leaky."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["pareto_front"]


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
    front = [
        (i, u, leak)
        for i, u, leak in points
        if not any(
            u2 >= u and leak2 <= leak and (u2 > u or leak2 < leak)
            for j, u2, leak2 in points
            if j != i
        )
    ]
    return [i for i, _, _ in sorted(front, key=lambda p: (p[2], -p[1]))]
