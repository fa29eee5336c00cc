"""The Pareto front in one pass by leakage: comparing each pair took 15 s for 6000 rows
along a tradeoff curve (a sweep of many ε, all on the front), twice per report; the front is
the same as the pairwise definition's, ties, infinities and NaN included."""

import itertools
import math
import random
import time

from mia_defense.report import pareto_front


def _pairwise(utility, leakage):
    points = [(i, u, leak) for i, (u, leak) in enumerate(zip(utility, leakage, strict=True))
              if not (math.isnan(u) or math.isnan(leak))]  # fmt: skip
    front = [
        (i, u, leak) for i, u, leak in points
        if not any(u2 >= u and l2 <= leak and (u2 > u or l2 < leak)
                   for j, u2, l2 in points if j != i)
    ]  # fmt: skip
    return [i for i, _, _ in sorted(front, key=lambda p: (p[2], -p[1]))]


def test_a_tradeoff_curve_of_thousands_of_rows_is_ranked_at_once():
    n = 4000  # every row on the front: 16 million comparisons pairwise (about 6 s)
    curve = [i / n for i in range(n)]
    start = time.perf_counter()
    assert pareto_front(curve, curve) == list(range(n))
    assert time.perf_counter() - start < 2.0


def test_the_front_is_the_pairwise_definitions_with_ties_and_infinities():
    values = [0.0, -0.0, 0.1, 0.5, 1.0, math.inf, -math.inf, math.nan]
    rng = random.Random(0)
    for _ in range(3000):
        n = rng.randint(0, 7)
        utility = [rng.choice(values) for _ in range(n)]
        leakage = [rng.choice(values) for _ in range(n)]
        assert pareto_front(utility, leakage) == _pairwise(utility, leakage), (utility, leakage)
    for u, leak in itertools.product(values, repeat=2):  # one point, and two equal ones
        assert pareto_front([u, u], [leak, leak]) == _pairwise([u, u], [leak, leak])
