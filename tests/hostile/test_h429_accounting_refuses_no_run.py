"""The accountant's public calls given a run no DP-SGD is (h429): ``epsilon_spent`` answered
ε 0 for -100 steps or δ = 2 (no privacy loss at all) and Python's 'math domain error' for a
sample rate of 1.5; ``noise_multiplier_for`` gave (and cached) σ 0.25 for δ = 2 and searched
on without end at -100 or 0 steps. Each now refuses with a ValueError naming the argument
and its value; results.json's privacy block of a checkpoint edited to such a δ says no ε
holds, where it stated ε 0 as a guarantee."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mia_defense.defenses.accounting import epsilon_spent, privacy_report, schedule_epsilon

_RUN = {"noise_multiplier": 1.0, "sample_rate": 0.01, "steps": 100, "delta": 1e-5}
_BAD = [("steps", -100), ("sample_rate", 1.5), ("sample_rate", -0.1), ("delta", 2.0),
        ("delta", 0.0), ("delta", -1.0), ("noise_multiplier", -1.0)]  # fmt: skip


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
@pytest.mark.parametrize(("key", "value"), _BAD)
def test_epsilon_spent_names_the_argument(accountant, key, value):
    run = {**_RUN, key: value}
    history = ((run["noise_multiplier"], run["sample_rate"], run["steps"]),)
    with pytest.raises(ValueError, match=rf"epsilon_spent: {key}={value!r}: must be"):
        epsilon_spent(accountant, history, run["delta"])
    # (the report's and a checkpoint's recomputation: no guarantee, never ε 0)
    assert schedule_epsilon(accountant, *history[0], run["delta"]) == float("inf")


# Run in a child: without the check the σ search never ends (steps -100 or 0).
_CHILD = """
import sys
from mia_defense.defenses.accounting import noise_multiplier_for, resolve_noise_multiplier
run = dict(target_epsilon=8.0, delta=1e-5, sample_rate=0.01, steps=100)
run[sys.argv[1]] = float(sys.argv[2]) if sys.argv[1] != "steps" else int(sys.argv[2])
for call in (lambda: noise_multiplier_for("rdp", run["target_epsilon"], run["delta"],
                                          run["sample_rate"], run["steps"]),
             lambda: resolve_noise_multiplier(noise_multiplier=None, accountant="rdp", **run)):
    try:
        print("sigma:", call())
    except ValueError as err:
        print("refused:", type(err).__name__, err)
"""


@pytest.mark.parametrize(("key", "value"), [
    ("delta", "2.0"), ("sample_rate", "1.5"), ("steps", "-100"), ("steps", "0"),
    ("target_epsilon", "nan"),
])  # fmt: skip
def test_sigma_search_names_the_argument(key, value, tmp_path):
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, key, value], capture_output=True, text=True,
            timeout=60, env={**os.environ, "MIA_DEFENSE_CACHE_DIR": str(tmp_path)},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"noise_multiplier_for with {key}={value} searched on without end")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    for line, where in zip(lines, ("noise_multiplier_for", "resolve_noise_multiplier"),
                           strict=True):
        # a ValueError, not a ConfigError's 'unreachable target'
        assert line.startswith(f"refused: ValueError {where}: {key}="), line
        assert f"{key}={value}: must be" in line, line
    assert not list(tmp_path.rglob("*.json"))  # no σ kept for such a run


@pytest.mark.parametrize("accountant", ["rdp", "gdp"])
def test_an_edited_checkpoint_delta_of_2_is_no_guarantee(accountant):
    # what the accountant recorded for δ = 2 before: ε 0 (rdp), and gdp's bound 0
    stats = {**_RUN, "delta": 2.0, "epsilon": 0.0}
    report = privacy_report([stats], accountant=accountant, noise_source="secure",
                            preprocessing="none")  # fmt: skip
    assert report["epsilon"] == float("inf")
    assert report["epsilon_valid"] is False
    assert "recorded an ε" in report["epsilon_invalid_reason"]
