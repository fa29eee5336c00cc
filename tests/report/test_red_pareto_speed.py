"""The Pareto front in one pass by leakage: comparing each pair took 15 s for 6000 rows
along a tradeoff curve (a sweep of many ε, all on the front), twice per report; the front is
the same as the pairwise definition's, ties, infinities and NaN included."""

import itertools
import math
import random
import sys

from mia_defense.report import pareto, pareto_front


def _pairwise(utility, leakage):
    points = [(i, u, leak) for i, (u, leak) in enumerate(zip(utility, leakage, strict=True))
              if not (math.isnan(u) or math.isnan(leak))]  # fmt: skip
    front = [
        (i, u, leak) for i, u, leak in points
        if not any(u2 >= u and l2 <= leak and (u2 > u or l2 < leak)
                   for j, u2, l2 in points if j != i)
    ]  # fmt: skip
    return [i for i, _, _ in sorted(front, key=lambda p: (p[2], -p[1]))]


def _lines_run(n: int) -> int:
    """Lines of pareto.py run to rank a curve of ``n`` rows, all on the front (sorting is
    one C call; comparing each pair runs a line of the pairwise test per pair)."""
    curve = [i / n for i in range(n)]
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        if frame.f_code.co_filename != pareto.__file__:
            return None
        lines += event == "line"
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        front = pareto_front(curve, curve)
    finally:
        sys.settrace(previous)
    assert front == list(range(n))
    return lines


def test_a_tradeoff_curve_of_thousands_of_rows_is_ranked_at_once():
    """Counted, not timed (speed lives in the bench): twice the rows run twice the lines,
    not four times (one pass: 4,211 and 8,411 lines for 200 and 400 rows; pairwise:
    203,411 and 806,811)."""
    small, large = _lines_run(200), _lines_run(400)
    assert large < 2.5 * small, (small, large)
    n = 4000  # every row on the front: 16 million comparisons pairwise (about 6 s)
    curve = [i / n for i in range(n)]
    assert pareto_front(curve, curve) == list(range(n))


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
