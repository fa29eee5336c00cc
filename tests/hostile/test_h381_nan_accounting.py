"""A NaN σ or sample rate given to the accountant (h379): Opacus' RDP series never ended on
one, so `epsilon_spent` (and every ε of a checkpoint or results.json recomputed from it)
hung instead of saying no ε holds."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run in a child: without the guard the call never returns, and a child can be killed.
_CHILD = """
import math, sys
from mia_defense.defenses.accounting import epsilon_spent, schedule_epsilon
sigma, rate = float(sys.argv[2]), float(sys.argv[3])
try:
    epsilon_spent(sys.argv[1], ((sigma, rate, 100),), 1e-5)
except ValueError as err:
    print("refused:", err)
print("schedule:", schedule_epsilon(sys.argv[1], sigma, rate, 100, 1e-5))
"""


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
@pytest.mark.parametrize(("sigma", "rate", "named"), [
    ("nan", "0.1", "noise_multiplier=nan"), ("1.0", "nan", "sample_rate=nan"),
])  # fmt: skip
def test_a_nan_sigma_or_sample_rate_is_refused_not_hung(accountant, sigma, rate, named):
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, accountant, sigma, rate],
            capture_output=True, text=True, timeout=20,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"epsilon_spent({accountant!r}, σ={sigma}, q={rate}) hung")
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and named in done.stdout, done.stdout
    assert "schedule: inf" in done.stdout, done.stdout  # no guarantee, as for any bad input
