"""How often `check_claim` refutes a valid DP claim: scores simulated from mechanisms that are
exactly (claim, δ)-DP for every (target, record) pair, with record hardness shared by the
targets, attacked through the pipeline's own path (balanced masks, `roc_metrics`,
`attack_evidence`, `check_claim`). Target: at most 5% of runs refuted.

The bound counts each (target, record) decision as a trial. Decisions about one record
agree across targets where the record is hard or easy, but that hardness is fixed by the
record: given the records, the targets' decisions are independent (each model is trained
from its own seed), and errors of unequal rates add up to less spread than the binomial the
Clopper-Pearson bound assumes (and a rate that holds for any set of records holds for
records drawn at random). ``rr_shared`` shows what breaks this: randomness shared by the
targets (one coin per record for all of them, as K models trained from one seed would share
their DP noise), where a valid claim is refuted most of the time.

Scenarios (``--eps`` is RR's ε, or GDP's μ whose (ε, δ) at δ = 1e-5 is the claim):
  rr              randomised response per pair, ties broken by a record's hardness (tight)
  rr_mixed        the same with half the records at ε 0
  rr_target       the same, one target in 20 answering all its records the other way (its
                  errors shared by its records; still ε-DP: the flip is learnt from the
                  other records' answers, so each record's own answer must be ε-DP alone)
  gdp_raw         hardness + μ·member + N(0, 1), uncalibrated (a loss attack)
  gdp_calibrated  μ·member + N(0, 1), hardness removed (LiRA-like)
  gdp_mixed       a record's own μ_i <= μ, calibrated
  gdp_target      a random offset per target model (shared by its records), calibrated
  rr_shared       targets that share their randomness: one RR coin per record for all of
                  them (each target still ε-DP; not how mia-train trains)

Usage: ``python scripts/sim_claim_refutation.py [--runs N] [--scenarios ...] [--grid KxN ...]``
(about 3 minutes at the defaults, 15 at ``--runs 1000``; exit status 1 where a scenario
other than rr_shared is refuted in more than 5% of runs).
"""

from __future__ import annotations

import argparse
import logging
import math
import time

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from mia_defense.attacks.runner import AttackResult, EvaluationConfig
from mia_defense.metrics import roc_metrics
from mia_defense.pipeline.claim import attack_evidence, check_claim
from mia_defense.plan import balanced_masks

DELTA = 1e-5
TARGET_RATE = 0.05
SCENARIOS = ("rr", "rr_mixed", "rr_target", "gdp_raw", "gdp_calibrated", "gdp_mixed", "gdp_target",
             "rr_shared")  # fmt: skip


def gdp_epsilon(mu: float, delta: float = DELTA) -> float:
    """The smallest ε at which μ-GDP is (ε, δ)-DP (Dong, Roth and Su 2019, Cor. 2.13)."""

    def gap(eps: float) -> float:
        return norm.cdf(-eps / mu + mu / 2) - math.exp(eps) * norm.cdf(-eps / mu - mu / 2) - delta

    return brentq(gap, 0.0, 50.0)


def simulate(name: str, masks: np.ndarray, rng: np.random.Generator,
             eps: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """[K, N] scores of scenario ``name`` for ``masks`` [K, N], and the valid claim (ε)."""
    k, n = masks.shape
    hard = rng.normal(size=n)  # a record's hardness, the same for every target
    if name.startswith("rr"):
        keep = math.exp(eps) / (1 + math.exp(eps))  # the truthful answer's probability
        if name == "rr_mixed":
            keep = np.where(rng.random(n) < 0.5, keep, 0.5)[None, :]
        coin = rng.random(n)[None, :] if name == "rr_shared" else rng.random((k, n))
        bit = np.where(coin < keep, masks, ~masks)
        if name == "rr_target":  # one target in 20 answers all its records the other way
            bit ^= (rng.random(k) < 0.05)[:, None]
        return bit + 0.1 * np.tanh(hard)[None, :], eps
    mu, member = eps, masks.astype(float)
    noise = rng.normal(size=(k, n))
    if name == "gdp_raw":
        return 2.0 * hard[None, :] + mu * member + noise, gdp_epsilon(mu)
    if name == "gdp_calibrated":
        return mu * member + noise, gdp_epsilon(mu)
    if name == "gdp_mixed":
        return mu * rng.random(n)[None, :] ** 0.3 * member + noise, gdp_epsilon(mu)
    if name == "gdp_target":
        offset = rng.normal(scale=0.5, size=(k, 1))
        return offset + mu * member + noise, gdp_epsilon(mu)
    raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")


def audit(name: str, k: int, n: int, eps: float, seed: int) -> tuple[bool, float, float]:
    """(refuted, the attack's bound, the claim) of one simulated run."""
    rng = np.random.default_rng(seed)
    masks = balanced_masks(k, n, rng)
    scores, claim = simulate(name, masks, rng, eps)
    result = AttackResult("sim", np.arange(k), scores, roc_metrics(scores, masks), 0.0)
    evidence = attack_evidence(result, masks, EvaluationConfig(bootstrap=0, delta=DELTA),
                               attacks=1)  # fmt: skip
    privacy = {"epsilon": claim, "delta": DELTA}
    check_claim(privacy, evidence)
    return bool(privacy["epsilon_refuted"]), evidence[0].bound if evidence else math.nan, claim


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--grid", nargs="*", default=["16x100", "16x1000", "64x100", "64x1000"],
                        help="K targets x N records")  # fmt: skip
    parser.add_argument("--eps", nargs="*", type=float, default=[1.0, 3.0, 5.0])
    args = parser.parse_args()
    # (check_claim's 'DP CLAIM REFUTED' warnings: counted here, not read)
    logging.getLogger("mia_defense.pipeline.claim").setLevel(logging.ERROR)
    print(f"{'scenario':15} {'KxN':>8} {'ε/μ':>4} {'claim':>6} {'refuted':>10} {'rate':>6} "
          f"{'bound median':>12} {'max':>6}")  # fmt: skip
    over = []
    for name in args.scenarios:
        for eps in args.eps:
            for cell in args.grid:
                k, n = (int(v) for v in cell.split("x"))
                start = time.perf_counter()
                runs = [audit(name, k, n, eps, seed) for seed in range(args.runs)]
                refuted = sum(r[0] for r in runs)
                bounds = np.array([r[1] for r in runs])
                rate = refuted / args.runs
                if rate > TARGET_RATE and name != "rr_shared":
                    over.append(f"{name} {cell} {eps}")
                print(f"{name:15} {cell:>8} {eps:4.1f} {runs[0][2]:6.2f} "
                      f"{refuted:5d}/{args.runs:<4d} {rate:6.3f} {np.nanmedian(bounds):12.3f} "
                      f"{np.nanmax(bounds):6.3f}  ({time.perf_counter() - start:.0f} s)",
                      flush=True)  # fmt: skip
    if over:
        print(f"refuted a valid claim in more than {TARGET_RATE:.0%} of runs: {'; '.join(over)}")
        return 1
    print(f"every DP-independent scenario within {TARGET_RATE:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
