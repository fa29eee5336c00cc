"""Privacy accounting through Opacus' accountants, cached: ε spent and σ for a target ε.

Both DP engines (``train.engine=stacked``: `mia_defense.defenses.dp_stacked`;
``train.engine=opacus``: Opacus' ``DPOptimizer`` in ``dp.py``) ask here, so they report the
same ε for the same schedule. Opacus is imported on first use: importing it costs about a
second, which runs without DP skip. The RDP accountant (the default) needs only Opacus' RDP
analysis, a module of numpy and scipy: `_opacus_rdp` loads that file alone, without
``opacus/__init__`` (the privacy engine, torch.distributed and sympy: 1.3 s more per run).

σ for a target ε comes from Opacus' search (seconds: a few dozen accountant calls), so it is
done once per ensemble (`shared_noise_multiplier`: the largest σ any model needs) and kept
on disk (`sigma_cache_dir`), where a sweep finds it again. A cached σ is never trusted: it
is used only if the accountant confirms it spends at most the target, and within the
search's tolerance of it (one accountant call); and only by the code that searched it: the
key holds this module's digest and the accountants' library versions (`_search_code`), so
the same config gets the σ a fresh search would give, whatever the cache held.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.errors import ConfigError, DataError
from mia_defense.files import atomic_write, stale_temp_files

__all__ = [
    "FLOAT32_ROUNDOFF",
    "FLOAT32_TINY",
    "MAX_TARGET_EPSILON",
    "PER_MODEL_KEYS",
    "SECURE_NORMAL_BOUND",
    "SEEDED_NORMAL_BOUND",
    "SIGMA_CACHE_ENV",
    "default_delta",
    "epsilon_accountant",
    "epsilon_spent",
    "least_expected_batch",
    "noise_multiplier_for",
    "noise_vanishes",
    "privacy_report",
    "resolve_noise_multiplier",
    "schedule_epsilon",
    "secure_noise_reason",
    "seeded_noise_caveat",
    "seeded_noise_reason",
    "seeded_tail_probability",
    "shared_noise_multiplier",
    "sigma_cache_dir",
]

log = logging.getLogger(__name__)

# Overrides where searched σ values are kept; empty: keep none.
SIGMA_CACHE_ENV = "MIA_DEFENSE_CACHE_DIR"
# The largest target ε accepted (`mia_defense.defenses.DPSGD`; here, without torch, for
# mia-report too). Beyond it the guarantee bounds nothing (an attacker's TPR may be e^ε
# times its FPR: e^1000 is past float64), and the σ calibrated for it vanishes (1e308 gave
# σ = 1e-100): the models trained as without noise under a DP run's name. Large ε studies
# reach 1000 (Jayaraman & Evans 2019); most DP work uses 0.1-10.
MAX_TARGET_EPSILON = 1e3
# The search stops within this much below the target ε (Opacus' epsilon_tolerance).
_EPSILON_TOLERANCE = 0.01
_CACHE_FORMAT = 1
# A σ cache writer's temporary file this much older (seconds) is no save in progress.
_STALE_TEMP_AGE = 86400.0
_MAX_ENTRY_CHARS = 1 << 16  # a cache entry longer than this is not one (read no further)
_MAX_SIGMA = 1e6  # Opacus' limit of the search
_MIN_SIGMA = 1e-100  # below it ε is ∞ (see epsilon_spent)
# float32's smallest normal number: DP-SGD clips, draws and adds its noise in float32.
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
# float32's unit roundoff: a value s rounds away an added noise below 2^-24·|s| (about half
# float32's spacing there) on most draws.
FLOAT32_ROUNDOFF = 2.0**-24
# The largest |Z| of torch's float32 normal draws on the CPU (the seeded noise's): Box-Muller
# over uniforms on a 2^-24 grid, radius sqrt(-2 ln(1 - u)) at most sqrt(-2 ln 2^-24) = 5.77.
SEEDED_NORMAL_BOUND = math.sqrt(48 * math.log(2))
# The largest |Z| of the secure noise's draws (`dp_mechanism.RandomSource.secure`): four
# float64 Box-Muller draws over uniforms on a 2^-53 grid (each at most sqrt(-2 ln 2^-53) =
# 8.57), summed and halved: 17.1.
SECURE_NORMAL_BOUND = 2 * math.sqrt(106 * math.log(2))
# Opacus' PRVAccountant.get_epsilon's default eps_error, added to every ε it reports.
_PRV_EPS_ERROR = 0.01
# Past this RDP ε the PRV and GDP accountants give the RDP figure: PRV took minutes (its
# domain grows with ε) or ran out of memory, GDP's root search failed, and at such an ε no
# record is protected whichever upper bound is reported.
_PRV_LIMIT = 100.0

# Opacus' RDPAccountant.DEFAULT_ALPHAS, the orders its RDP accountant evaluates (kept here so
# that the RDP analysis runs without importing the accountant's package; a test holds it
# equal to Opacus' own list).
RDP_ORDERS = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)))
_RDP_MODULE = "opacus.accountants.analysis.rdp"

# What each model's history records under DP-SGD: enough to recompute its ε with any
# accountant (one (σ, q, steps) run of the subsampled Gaussian at δ).
PER_MODEL_KEYS = ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta")


def least_expected_batch(batch_size: Any, sample_rate: Any) -> int:
    """The least expected batch E[B] = n // ceil(n / B) (`dp_mechanism.DPSchedule`) of any
    member count n whose sample rate at ``batch_size`` B is ``sample_rate``,
    q = 1 / ceil(n / B): what a run's recorded B and q tell of the sums its noise was added
    to; 1 where either is not a number in range (nothing is known)."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                  for v in (batch_size, sample_rate))  # fmt: skip
    if not numbers or not (0 < sample_rate <= 1 and 1 <= batch_size < math.inf):
        return 1
    batches = max(1, round(1 / sample_rate))
    return max(1, ((batches - 1) * int(batch_size) + 1) // batches)


def noise_vanishes(sigma: float, max_grad_norm: float, expected_batch: int = 1) -> str | None:
    """Why DP-SGD noise of a σ > 0 at clipping norm C is lost in float32, where the models
    add it, or ``None``: its standard deviation σ·C lies below float32's smallest normal
    number (drawn as 0, or a subnormal a GPU flushes to 0), or below float32's precision
    (`FLOAT32_ROUNDOFF`) of the clipped sum it is added to, which reaches E[B]·C where the
    ``expected_batch`` E[B] clipped gradients agree in a coordinate (DP-SGD's ε is claimed
    for every data set, such ones included): there the sum rounds the noise away on most
    draws (σ = 1e-6 at E[B] = 64: 94 % of them; the rest move it by one spacing), so the
    noisy sum is next to the sum itself. Either way no ε holds, while the accountant's ε of
    σ is finite (4.4e12 at σ = 1e-6, recorded with epsilon_valid true). `DPSGD` refuses such
    a σ; mia-report doubts an ε recorded with one. Each reason ends where its caller says
    what to do."""
    if not sigma > 0:
        return None
    std = sigma * max_grad_norm
    if std < FLOAT32_TINY:
        return (f"noise of standard deviation {std:.3g} per step, below float32's smallest "
                f"normal number {FLOAT32_TINY:.3g}, in which the models add it: drawn as 0 "
                "(or a subnormal a GPU may flush to 0): no noise is added")  # fmt: skip
    if sigma < expected_batch * FLOAT32_ROUNDOFF:
        return (f"noise of standard deviation {std:.3g} per step, below float32's precision "
                f"(2^-24 of a value) at the clipped sums it is added to, which reach "
                f"{expected_batch}·C = {expected_batch * max_grad_norm:.3g} where a batch's "
                f"{expected_batch} clipped gradients agree in a coordinate: the sum rounds "
                "the noise away on most draws (next to no noise is added)")  # fmt: skip
    return None


@functools.cache
def _opacus_rdp() -> Any:
    """Opacus' RDP analysis, ``opacus.accountants.analysis.rdp`` (Mironov et al.'s bounds for
    the subsampled Gaussian: numpy and scipy.special only).

    Where Opacus is not imported yet, the module is run from Opacus' own file without its
    package: ``import opacus`` first runs ``opacus/__init__``, which imports the privacy
    engine, torch.distributed and sympy (about 1.3 s), none of which the stacked engine's
    DP-SGD uses. Same code, same numbers; once Opacus is imported, its module is used."""
    spec = importlib.util.find_spec("opacus") if "opacus" not in sys.modules else None
    if spec is None or not spec.submodule_search_locations:
        return importlib.import_module(_RDP_MODULE)  # Opacus imported, or missing: its error
    path = Path(next(iter(spec.submodule_search_locations)), "accountants", "analysis", "rdp.py")
    file_spec = importlib.util.spec_from_file_location("mia_defense._opacus_rdp", path)
    if file_spec is None or file_spec.loader is None:
        return importlib.import_module(_RDP_MODULE)
    module = importlib.util.module_from_spec(file_spec)
    file_spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=256)
def _rdp_per_step(sigma: float, sample_rate: float) -> tuple[float, ...]:
    """RDP of one subsampled Gaussian step at Opacus' default orders (the costly part,
    about 0.15 s for the fractional orders)."""
    rdp = _opacus_rdp().compute_rdp(
        q=sample_rate, noise_multiplier=sigma, steps=1, orders=list(RDP_ORDERS)
    )
    return tuple(float(v) for v in rdp)


def _at_most_max_sigma(
    history: tuple[tuple[float, float, int], ...],
) -> tuple[tuple[float, float, int], ...]:
    """``history`` with each σ above `_MAX_SIGMA` accounted at `_MAX_SIGMA` (`epsilon_spent`)."""
    return tuple((min(sigma, _MAX_SIGMA), rate, steps) for sigma, rate, steps in history)


def _check_run(where: str, *, rate: float, steps: float, delta: float, **sigma: float) -> None:
    """A `ValueError` naming the argument and its value where a run is none DP-SGD takes:
    a sample rate outside [0, 1], a negative step count, a δ outside (0, 1), a negative σ
    (``noise_multiplier``, where given). The accountants answered such input with a number:
    ε 0 for -100 steps or δ = 2 (no privacy loss at all), 'math domain error' for a rate of
    1.5, and `noise_multiplier_for` searched on past 20 s at -100 steps (σ halving toward
    5e-324) and gave, and cached, σ 0.25 for δ = 2."""
    checks = [("sample_rate", rate, "a probability in [0, 1]", 0 <= rate <= 1),
              ("steps", steps, "a step count >= 0", steps >= 0),
              ("delta", delta, "in (0, 1), below 1/N", 0 < delta < 1)] + [
        (key, value, ">= 0", value >= 0) for key, value in sigma.items()]  # fmt: skip
    for key, value, what, ok in checks:
        if not ok:  # (NaN fails every comparison)
            raise ValueError(f"{where}: {key}={value!r}: must be {what}")


@functools.lru_cache(maxsize=4096)
def epsilon_spent(
    accountant: str, history: tuple[tuple[float, float, int], ...], delta: float
) -> float:
    """ε of an accountant ``history`` of ``(noise_multiplier, sample_rate, steps)`` at ``delta``.

    For ``rdp`` the per-step RDP is computed once per (σ, rate) and scaled by the step
    count, exactly what ``RDPAccountant`` does; ``prv`` and ``gdp`` ask a fresh accountant.
    Cached: the K models of a plan share their schedules, and ε is logged every epoch.
    A NaN σ or sample rate is a `ValueError` (Opacus' RDP series never ended on one: the
    call hung; `schedule_epsilon` reads it as no guarantee), as is a run no DP-SGD is
    (`_check_run`: a negative step count or σ, a rate outside [0, 1], a δ outside (0, 1)).
    """
    for sigma, rate, steps in history:
        if math.isnan(sigma) or math.isnan(rate):
            raise ValueError(f"epsilon_spent: noise_multiplier={sigma}, sample_rate={rate}: "
                             "NaN, which no accountant takes (no ε holds)")  # fmt: skip
        _check_run("epsilon_spent", rate=rate, steps=steps, delta=delta, noise_multiplier=sigma)
    if any(sigma < _MIN_SIGMA and rate > 0 and steps > 0 for sigma, rate, steps in history):
        # No noise: no privacy (Opacus' PRV and GDP fail on σ = 0). Below _MIN_SIGMA too:
        # ε would pass 1e200 anyway, and Opacus' RDP series for q < 1 never ended for
        # σ ≈ 1e-154 (its terms overflow to inf): noise_multiplier=1e-155 hung the run.
        return math.inf
    if any(sigma > _MAX_SIGMA for sigma, _, _ in history):
        # More noise never spends more (σ' > σ is σ plus independent noise: post-processing),
        # so ε at 1e6 bounds it; Opacus' terms overflowed from σ ≈ 1e154 and ε came out ∞.
        history = _at_most_max_sigma(history)
    if accountant == "rdp":
        try:
            total = sum(
                np.asarray(_rdp_per_step(sigma, rate)) * steps for sigma, rate, steps in history
            )
        except ArithmeticError:  # Opacus dividing by σ² that underflowed (σ = 1e-300)
            return math.inf  # as good as no noise: no privacy
        eps = _rdp_epsilon(total, delta)
        # A large δ (0.09 and up, allowed below 1/N for a few members) makes the conversion
        # negative, which no (ε, δ) statement is; ε = 0 holds wherever a negative one does.
        return max(0.0, float(eps))
    return _prv_or_gdp(accountant, history, delta)[0]


def _prv_or_gdp(
    accountant: str, history: tuple[tuple[float, float, int], ...], delta: float
) -> tuple[float, str]:
    """ε of a ``prv`` or ``gdp`` ``history`` (σ at most `_MAX_SIGMA`) and the accountant
    whose figure it is: the RDP accountant's past `_PRV_LIMIT`, or where Opacus' fails (an
    upper bound of the same mechanism), else a fresh accountant of its own."""
    rdp = epsilon_spent("rdp", history, delta)
    if not rdp <= _PRV_LIMIT:
        return rdp, "rdp"  # an upper bound too; PRV's domain (time, memory) grows with ε
    other = _fresh_epsilon(accountant, history, delta)
    return (rdp, "rdp") if other is None else (other, accountant)


@functools.lru_cache(maxsize=4096)
def _fresh_epsilon(
    accountant: str, history: tuple[tuple[float, float, int], ...], delta: float
) -> float | None:
    """ε of a fresh Opacus ``prv`` or ``gdp`` accountant of ``history`` at ``delta``, or
    ``None`` where it fails (then `epsilon_spent` gives the RDP accountant's)."""
    from opacus.accountants import create_accountant

    fresh = create_accountant(mechanism=accountant)
    fresh.history = list(history)
    try:
        return max(0.0, float(fresh.get_epsilon(delta)))  # negative at a large δ (as RDP)
    except (ArithmeticError, MemoryError, ValueError, RuntimeError):
        # Opacus' PRV or GDP failing on a small σ (OverflowError, a root not bracketed) or
        # at a large δ (PRV's RuntimeError "Cannot compute epsilon"): the RDP accountant's
        # ε bounds the same mechanism.
        return None


def epsilon_accountant(
    accountant: str, history: tuple[tuple[float, float, int], ...], delta: float
) -> str:
    """The accountant whose figure `epsilon_spent` gives for ``accountant``: ``rdp`` where
    ``prv`` or ``gdp`` is past `_PRV_LIMIT` by RDP or fails (an upper bound of the same
    mechanism), else ``accountant`` itself (and without noise, where every accountant's ε is
    infinite). Opacus' own ``accountant`` gives another figure there: results.json names the
    one that recomputes ε (`privacy_report`)."""
    if accountant == "rdp" or epsilon_spent(accountant, history, delta) == math.inf:
        return accountant
    return _prv_or_gdp(accountant, _at_most_max_sigma(history), delta)[1]


@functools.lru_cache(maxsize=256)
def noise_multiplier_for(
    accountant: str, target_epsilon: float, delta: float, sample_rate: float, steps: int
) -> float:
    """σ that spends ``target_epsilon`` over ``steps``, to within 0.01 in ε, as Opacus'
    ``get_noise_multiplier`` (`_search_sigma`); cached in memory and on disk
    (`sigma_cache_dir`).

    Steps, not epochs: Opacus turns epochs into ``int(epochs / q)`` steps, one fewer than
    are taken when the division rounds down (q = 1/93: 92.999...). A run no DP-SGD is
    (`_check_search`) is a `ValueError`."""
    _check_search("noise_multiplier_for", target_epsilon, sample_rate, steps, delta)
    key = _cache_key(accountant, target_epsilon, delta, sample_rate, steps)
    cached = _read_cached_sigma(key)
    if cached is not None:
        return cached
    sigma = _search_sigma(accountant, target_epsilon, delta, sample_rate, steps)
    _write_cached_sigma(key, sigma)
    return sigma


def _check_search(
    where: str, target_epsilon: float, sample_rate: float, steps: int, delta: float
) -> None:
    """A `ValueError` for a σ search of a run no DP-SGD is (`_check_run`), of no step (any σ
    spends 0: the search halved σ toward 5e-324, past 20 s) or of a target that is not a finite
    number > 0 (NaN gave σ 1, ∞ σ 5e-324)."""
    _check_run(where, rate=sample_rate, steps=steps, delta=delta)
    if not steps >= 1:
        raise ValueError(f"{where}: steps={steps!r}: must be >= 1 (no step spends no ε, "
                         "whatever σ)")  # fmt: skip
    if not 0 < target_epsilon < math.inf:
        raise ValueError(f"{where}: target_epsilon={target_epsilon!r}: must be a finite "
                         "number > 0")  # fmt: skip


def _epsilon_floor(accountant: str, delta: float) -> float:
    """The least ε an accountant can report at ``delta``, whatever σ: for ``rdp``, its
    conversion of zero RDP at the largest order (0.0286 at δ = 1e-3); for ``prv``, the
    error bound Opacus adds to its estimate (``eps_error`` 0.01) plus the estimate of no
    privacy loss at all, log(1 - δ'), δ' = δ - δ/1000 its ``delta_error`` (0.0090 at
    δ = 1e-3: a target below it took 200 s of ever slower PRV calls up to σ = 1e6 to be
    refused); 0 for ``gdp``."""
    if accountant == "prv":
        return max(0.0, _PRV_EPS_ERROR + math.log1p(-(delta - delta / 1000)))
    if accountant != "rdp":
        return 0.0
    return _rdp_epsilon(np.zeros(len(RDP_ORDERS)), delta)


def _rdp_epsilon(rdp: Any, delta: float) -> float:
    """Opacus' conversion of RDP at `RDP_ORDERS` to ε at ``delta`` (its best order's).

    Without Opacus' "Optimal order is the largest/smallest alpha. Please consider expanding
    the range of alphas" UserWarning: the σ search's floor (zero RDP) and its candidates
    raised it in every search (a `defense=dp` run printed it raw under its progress bar),
    about σ values no model trains with, and no config key widens the orders. Where the
    best order is at an end of the grid, the ε is still a valid upper bound, only perhaps
    not the tightest."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Optimal order is the", category=UserWarning)
        eps, _ = _opacus_rdp().get_privacy_spent(orders=list(RDP_ORDERS), rdp=rdp, delta=delta)
    return float(eps)


def _search_sigma(
    accountant: str, target_epsilon: float, delta: float, sample_rate: float, steps: int
) -> float:
    """The σ of Opacus' ``get_noise_multiplier`` (ε within 0.01 below the target) in fewer
    accountant calls: a bracket from σ = 1, then steps interpolated in log σ / log ε
    (kept inside the middle 80 % of the bracket) instead of halving from [0, 20].

    Each RDP call at a small σ costs ~0.15 s; Opacus' bisection made a dozen of them.
    Raises ``ValueError`` (as Opacus) when no σ up to 1e6 reaches the target."""

    def eps(sigma: float) -> float:
        return epsilon_spent(accountant, ((sigma, sample_rate, steps),), delta)

    floor = _epsilon_floor(accountant, delta)
    if target_epsilon <= floor:  # no σ reaches it: refuse now, not after 20 slow calls
        raise ValueError(
            f"The privacy budget is too low: the {accountant} accountant gives at least "
            f"epsilon={floor:.4g} at this delta, however much noise."
        )
    aim = target_epsilon - _EPSILON_TOLERANCE / 2
    lo, e_lo, hi = 0.0, math.inf, 1.0
    e_hi = eps(hi)
    while e_hi > target_epsilon:  # too little noise: double
        if e_hi >= e_lo:  # doubling σ no longer lowers ε: the accountant's floor
            raise ValueError(
                f"The privacy budget is too low: epsilon stays at {e_hi:.4g} from "
                f"sigma={lo:g} up."
            )
        lo, e_lo, hi = hi, e_hi, 2 * hi
        if hi > _MAX_SIGMA:
            raise ValueError("The privacy budget is too low.")
        e_hi = eps(hi)
    while target_epsilon - e_hi > _EPSILON_TOLERANCE:
        if lo > 0 and e_hi > 0 and math.isfinite(e_lo):
            frac = (math.log(e_lo) - math.log(aim)) / (math.log(e_lo) - math.log(e_hi))
            frac = min(max(frac, 0.1), 0.9)
            mid = math.exp(math.log(lo) + frac * (math.log(hi) - math.log(lo)))
        elif lo > 0 and e_hi > 0:
            mid = math.sqrt(lo * hi)  # ε at lo is infinite (σ²'s underflow): halve log σ
        else:
            mid = hi / 2  # no lower end yet, or ε at hi is 0
        if not lo < mid < hi:  # no float between the ends (a target of 1e300): hi is within
            break
        e_mid = eps(mid)
        if e_mid <= target_epsilon:
            hi, e_hi = mid, e_mid
        else:
            lo, e_lo = mid, e_mid
    return hi


def sigma_cache_dir() -> Path | None:
    """Where searched σ values are kept: ``$MIA_DEFENSE_CACHE_DIR`` (empty: nowhere), else
    ``$XDG_CACHE_HOME/mia-defense``, else ``~/.cache/mia-defense`` (none without a home). A
    relative ``$XDG_CACHE_HOME`` is ignored, as the XDG spec says: it wrote the cache into
    each launch folder (``./relcache/mia-defense/sigma``)."""
    override = os.environ.get(SIGMA_CACHE_ENV)
    if override is not None:
        return Path(override) if override else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    try:
        base = xdg if os.path.isabs(xdg) else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no $HOME and a user without a passwd entry
        return None
    return Path(base) / "mia-defense"


def _cache_key(
    accountant: str, target_epsilon: float, delta: float, sample_rate: float, steps: int
) -> dict[str, Any]:
    """What determines a searched σ (floats kept exact: JSON round-trips Python floats)."""
    return {
        "format": _CACHE_FORMAT,
        "accountant": accountant,
        "target_epsilon": float(target_epsilon),
        "delta": float(delta),
        "sample_rate": float(sample_rate),
        "steps": int(steps),
        "epsilon_tolerance": _EPSILON_TOLERANCE,
        "search": _search_code(),
    }


@functools.cache
def _search_code() -> dict[str, str | None]:
    """What else decides which σ a search returns: this module's code (the search, its
    floor and its ε; a stale entry of another search would still pass the check of
    `_read_cached_sigma`, so the same config would train with another σ, and other
    numbers, depending on what the cache held) and the versions of the libraries whose
    accountants it calls."""
    try:
        code: str | None = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    except OSError:  # installed without its sources (.pyc only): keep no entry of it
        code = None
    versions: dict[str, str | None] = {"code": code}
    for name in ("opacus", "scipy", "numpy"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _cache_path(key: Mapping[str, Any]) -> Path | None:
    root = sigma_cache_dir()
    if root is None or key["search"]["code"] is None:  # (no code to tell searches apart)
        return None
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    return root / "sigma" / f"{digest}.json"


def _read_cached_sigma(key: Mapping[str, Any]) -> float | None:
    """The cached σ of ``key`` if the accountant confirms it, else ``None`` (missing,
    unreadable, another key, or a σ that spends more than the target or far less)."""
    path = _cache_path(key)
    try:
        # (is_file raises on a cache folder it may not search, EACCES: a cache is skipped)
        if path is None or not path.is_file():
            return None
        with path.open(encoding="utf-8") as handle:  # an entry is ~300 bytes: never more
            text = handle.read(_MAX_ENTRY_CHARS + 1)  # (a symlink to a huge file read whole)
        if len(text) > _MAX_ENTRY_CHARS:
            raise ValueError("not a sigma cache entry: too long")
        entry = json.loads(text)
        sigma = float(entry["noise_multiplier"])
        matches = {k: entry.get(k) for k in key} == dict(key)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        log.debug("sigma cache %s: unreadable, searching again", path)
        return None
    if not matches or not (math.isfinite(sigma) and sigma > 0):
        log.debug("sigma cache %s: not an entry for this search, searching again", path)
        return None
    eps = epsilon_spent(
        key["accountant"], ((sigma, key["sample_rate"], key["steps"]),), key["delta"]
    )
    target = key["target_epsilon"]
    if not target - _EPSILON_TOLERANCE - 1e-9 <= eps <= target:
        log.warning(
            "sigma cache %s: sigma %.6g spends eps %.6g, not within [%g, %g]; searching again",
            path, sigma, eps, target - _EPSILON_TOLERANCE, target,
        )
        return None
    return sigma


def _write_cached_sigma(key: Mapping[str, Any], sigma: float) -> None:
    """Keep ``sigma`` for ``key`` (atomically; a cache that cannot be written is skipped)."""
    path = _cache_path(key)
    if path is None:
        return
    text = json.dumps({**key, "noise_multiplier": sigma}, sort_keys=True, indent=1)
    try:
        atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
    except DataError as exc:
        log.debug("sigma cache not written: %s", exc)
    _remove_stale_temp_files(path.parent)


def _remove_stale_temp_files(folder: Path) -> None:
    """Remove what writers of σ killed as they saved left in ``folder``: temporary files
    (~300 bytes; no reader takes them, nothing else removes them) named by `atomic_write`
    for a process id no live process here has (`stale_temp_files`) and last written over a
    day ago. The age keeps a file of a save in progress: on a home shared by several
    machines (NFS), another machine's writer has an id this one cannot see, and no lock
    guards the cache; a save takes milliseconds, and a writer whose file went missing only
    leaves its σ unkept."""
    for tmp in stale_temp_files(folder):
        try:
            if time.time() - tmp.lstat().st_mtime > _STALE_TEMP_AGE:
                tmp.unlink()
                log.debug("sigma cache: removed %s, left by a writer killed as it saved", tmp)
        except OSError:
            continue


def resolve_noise_multiplier(
    *,
    noise_multiplier: float | None,
    target_epsilon: float | None,
    accountant: str,
    sample_rate: float,
    steps: int,
    delta: float,
) -> float:
    """σ: ``noise_multiplier`` when set, else the smallest that spends ``target_epsilon``
    in ``steps`` (0 for ε = ∞: clipping only); an unreachable target is a ``ConfigError``."""
    if noise_multiplier is not None:
        return noise_multiplier
    assert target_epsilon is not None
    if math.isinf(target_epsilon):
        return 0.0
    # (outside the try: a δ of 2 is no 'unreachable target')
    _check_search("resolve_noise_multiplier", target_epsilon, sample_rate, steps, delta)
    try:
        return noise_multiplier_for(accountant, target_epsilon, delta, sample_rate, steps)
    except ValueError as exc:
        raise ConfigError(
            f"defense.dp.target_epsilon={target_epsilon}: unreachable with "
            f"delta={delta:.3g}, sample rate {sample_rate:.3g} and {steps} steps ({exc}); "
            "raise the target or lower train.epochs (or raise defense.dp.delta, keeping it "
            "below 1/N)"
        ) from exc


def shared_noise_multiplier(
    *,
    noise_multiplier: float | None,
    target_epsilon: float | None,
    accountant: str,
    runs: Sequence[tuple[float, int, float]],
) -> float:
    """One σ for models of different ``(sample_rate, steps, delta)`` runs: ``noise_multiplier``
    when set, else the largest σ any run needs to spend at most ``target_epsilon``.

    Each model's ε, computed for its own run at this σ, is then at most the target (ε falls
    as σ grows). Usually one search: for the run of largest q·√steps (smallest δ among
    equals), then every run is checked at that σ (one accountant call each); a run still
    over the target gets its own search and the larger σ is kept.
    """
    distinct = sorted(set(runs), key=lambda r: (r[0] * math.sqrt(r[1]), -r[2]), reverse=True)
    if not distinct:
        raise ValueError("shared_noise_multiplier: no runs")
    if noise_multiplier is not None or (target_epsilon is not None and math.isinf(target_epsilon)):
        rate, steps, delta = distinct[0]
        return resolve_noise_multiplier(
            noise_multiplier=noise_multiplier, target_epsilon=target_epsilon,
            accountant=accountant, sample_rate=rate, steps=steps, delta=delta,
        )
    assert target_epsilon is not None
    sigma, searched = 0.0, set()
    over = distinct
    while over:  # each pass searches a new run: at most len(distinct) passes
        rate, steps, delta = over[0]
        searched.add(over[0])
        needed = resolve_noise_multiplier(
            noise_multiplier=None, target_epsilon=target_epsilon,
            accountant=accountant, sample_rate=rate, steps=steps, delta=delta,
        )
        sigma = max(sigma, needed)
        over = [
            (r, n, d) for r, n, d in distinct
            if (r, n, d) not in searched
            and epsilon_spent(accountant, ((sigma, r, n),), d) > target_epsilon
        ]
    return sigma


def default_delta(delta: float | None, num_members: int) -> float:
    """δ: the configured one, else 1 / (10 · members), below the 1 / N that DP needs."""
    return delta if delta is not None else 1.0 / (10.0 * num_members)


def privacy_report(
    per_model: Sequence[Mapping[str, float]],
    *,
    accountant: str,
    noise_source: str,
    preprocessing: str,
    invalid_reason: str | None = None,
) -> dict[str, Any]:
    """results.json's ``privacy`` block of K models trained with DP-SGD.

    ``epsilon`` is the worst case, the maximum over the models, and ``delta`` the largest δ
    (each model k is (ε_k, δ_k)-DP, so each is (max ε, max δ)-DP); ``noise_multiplier`` is
    the σ of the model with the largest ε. ``per_model`` lists each model's ε, σ, sample
    rate q, steps, δ and accountant: ε can be recomputed from them alone (a model whose
    ``prv`` or ``gdp`` figure is the RDP accountant's, `epsilon_accountant`, names ``rdp``).
    ``epsilon_valid`` is false, with ``epsilon_invalid_reason``, when the mechanism that ran
    is not the one the accountant analyses, or when the accountant is ``gdp``: its
    central-limit approximation can underestimate ε (at the default schedule, a σ it
    calibrates for ε=8 spends 8.31 by PRV and at most 9.27 by RDP), so its figure is given
    with the RDP accountant's upper bound for the same run (``epsilon_rdp_bound``). Each
    model's ε is recomputed from its own (σ, q, steps, δ): one that disagrees with what it
    recorded (a checkpoint edited, or written by another version) is reported as the larger
    of the two, and ε is then no guarantee either.

    Args:
        per_model: each model's history ``stats`` (the `PER_MODEL_KEYS`).
        accountant: ``rdp``, ``prv`` or ``gdp``.
        noise_source: ``seeded`` or ``secure`` (see `dp_mechanism.RandomSource`).
        preprocessing: what data-dependent preprocessing the accounting leaves out.
        invalid_reason: why ε does not describe the mechanism, or ``None``.
    """
    models: list[dict[str, Any]] = [
        {
            **{key: _stat(stats, key) for key in PER_MODEL_KEYS},
            "accountant": _model_accountant(stats, accountant),
            # fewer than ``steps``, the planned steps its ε accounts (`DPSGD.finish`)
            **({"steps_taken": int(stats["steps_taken"])} if "steps_taken" in stats else {}),
        }
        for stats in per_model
    ]
    bounded = [k for k, m in enumerate(models) if m["accountant"] != accountant]
    if bounded:
        log.info("defense.dp.accountant=%s: the ε of %d of %d models is the RDP accountant's "
                 "upper bound of the same run (past RDP ε %g, or where Opacus' %s accountant "
                 "fails, it is not computed); privacy.per_model names rdp as their accountant",
                 accountant, len(bounded), len(models), _PRV_LIMIT, accountant)  # fmt: skip
    disagree = [(k, m["epsilon"], again) for k, m in enumerate(models)
                if (again := _recomputed(m, accountant)) is not None]  # fmt: skip
    for k, recorded, again in disagree:
        models[k]["epsilon"] = max(recorded, again)
    worst = max(models, key=_worst_first)
    report: dict[str, Any] = {
        "epsilon": worst["epsilon"],
        "delta": max(m["delta"] for m in models),
        "noise_multiplier": worst["noise_multiplier"],
        "accountant": accountant,
    }
    if accountant == "gdp":
        bound = _rdp_bound(models)
        if bound is not None:
            report["epsilon_rdp_bound"] = bound
        invalid_reason = "; ".join(filter(None, [invalid_reason, _gdp_reason(bound)]))
    if _worst_first(worst) == math.inf and worst["epsilon"] != math.inf:
        invalid_reason = "; ".join(filter(None, [invalid_reason, (
            f"the accountant gave no ε (NaN or missing) for a model (σ "
            f"{worst['noise_multiplier']}, steps {worst['steps']}): no guarantee is known")]))
    if disagree:
        listing = ", ".join(f"model {k}: {recorded:.4g} recorded, {again:.4g} recomputed"
                            for k, recorded, again in disagree[:3])  # fmt: skip
        invalid_reason = "; ".join(filter(None, [invalid_reason, (
            f"{len(disagree)} model(s) recorded an ε their own σ, q, steps and δ do not give "
            f"({listing}; the larger is reported): a checkpoint or model-store entry edited or "
            "written by another mia-defense; delete the run's checkpoints to retrain")]))
    noise_reason = seeded_noise_reason if noise_source == "seeded" else secure_noise_reason
    invalid_reason = "; ".join(filter(None, [invalid_reason, noise_reason(models)]))
    report["epsilon_valid"] = not invalid_reason
    if invalid_reason:
        report["epsilon_invalid_reason"] = invalid_reason
    report["noise_source"] = noise_source
    caveat = seeded_noise_caveat(models) if noise_source == "seeded" else None
    if caveat is not None:
        report["noise_caveat"] = caveat
    report.update(preprocessing=preprocessing, per_model=models)
    return report


def seeded_tail_probability(
    sigma: float, sample_rate: float, steps: int, bound: float = SEEDED_NORMAL_BOUND
) -> float:
    """The probability that seeded DP-SGD noise shows a record over ``steps`` steps of
    (σ, q): torch's float32 draws stop at `SEEDED_NORMAL_BOUND` standard deviations, so a
    record whose clipped gradient lies along one coordinate (norm C: 1/σ of the noise's
    standard deviation) moves the noisy sum, in a step that samples it, beyond any sum drawn
    without it with probability Φ̄(bound − 1/σ). Gaussian noise, which the accountant
    analyses, has no such outcome (of infinite privacy loss): a floating-point weakness of
    the kind of Mironov's attack on the Laplace mechanism (CCS 2012). ``bound``: where the
    draws stop (`SECURE_NORMAL_BOUND` for the secure noise's)."""
    if not (sigma > 0 and 0 < sample_rate <= 1 and steps > 0):
        return 0.0
    per_step = sample_rate * 0.5 * math.erfc((bound - 1 / sigma) / math.sqrt(2))
    return -math.expm1(steps * math.log1p(-min(per_step, 1.0))) if per_step < 1 else 1.0


def _seeded_tails(
    models: Sequence[Mapping[str, Any]], bound: float = SEEDED_NORMAL_BOUND
) -> list[tuple[float, Mapping[str, Any]]]:
    """Each model of a finite ε of noise (σ > 0) with its `seeded_tail_probability` (of
    draws that stop at ``bound``)."""
    tails = []
    for m in models:
        sigma, rate, steps = (m.get(k) for k in ("noise_multiplier", "sample_rate", "steps"))
        eps = m.get("epsilon")
        if None in (sigma, rate, steps, eps) or not (sigma > 0 and math.isfinite(eps)):
            continue
        tails.append((seeded_tail_probability(float(sigma), float(rate), int(steps), bound), m))
    return tails


def seeded_noise_caveat(models: Sequence[Mapping[str, Any]]) -> str | None:
    """results.json's ``privacy.noise_caveat`` of seeded DP-SGD noise: its worst model's
    `seeded_tail_probability`, beside that model's δ, and that the seed in results.json
    regenerates the noise; ``None`` where no model has a finite ε of noise (σ > 0)."""
    tails = _seeded_tails(models)
    if not tails:
        return None
    tail, m = max(tails, key=lambda t: t[0])
    delta = m.get("delta")
    versus = ("" if not isinstance(delta, float) else
              f", {'above' if tail > delta else 'below'} its δ {delta:.3g}")  # fmt: skip
    return (
        f"defense.dp.secure_mode=false (seeded noise): the ε is the accountant's for Gaussian "
        f"noise, which torch's float32 draws only approximate: on the CPU they stop at "
        f"{SEEDED_NORMAL_BOUND:.3g} standard deviations, so a record whose clipped gradient "
        f"lies along one coordinate can move a step's noisy sum where no draw without it "
        f"reaches (a floating-point attack): with probability up to {tail:.2g} over a "
        f"model's {int(m['steps'])} steps at σ {m['noise_multiplier']:.4g}{versus}; and the "
        "seed in results.json regenerates the noise and the batches. For a model you "
        "release, set defense.dp.secure_mode=true (os.urandom, float64 draws, Opacus' "
        "secure_mode)"
    )


def seeded_noise_reason(
    models: Sequence[Mapping[str, Any]], *, planned: bool = False
) -> str | None:
    """Why seeded DP-SGD noise leaves the models' ε no guarantee (results.json's
    ``privacy.epsilon_valid`` false), or ``None``: a model's `seeded_tail_probability`
    above its δ. That outcome has probability 0 without the record, and (ε, δ)-DP allows
    such an outcome a probability of δ at most, whatever ε: the stated claim does not hold
    for the noise that ran (digits at target_epsilon=50: 1.4e-3 against δ 2e-4; at the
    default 8: 7.9e-6, below it: the ε stays valid, ``noise_caveat`` says the figure).
    mia-train's `privacy_report` and mia-report's `epsilon_doubt` (of a run written
    before) both ask it, and `DPSGD.planned_noise_reason` before training (``planned``:
    of the noise the run is to draw)."""
    over = _tails_over_delta(models, SEEDED_NORMAL_BOUND)
    if not over:
        return None
    tail, m = max(over, key=lambda t: t[0])
    return (
        "defense.dp.secure_mode=false (seeded noise; set it true for a guarantee, or spend a "
        "lower ε: a lower defense.dp.target_epsilon or a larger defense.dp.noise_multiplier"
        f"): torch's float32 draws stop at {SEEDED_NORMAL_BOUND:.3g} standard "
        "deviations, so a record's clipped gradient moves a step's noisy sum where no draw "
        f"without it reaches with probability up to {tail:.2g} over a model's "
        f"{int(m['steps'])} steps (σ {m['noise_multiplier']:.4g}), above its δ "
        f"{m['delta']:.3g} ({len(over)} of {len(models)} models): the (ε, δ) does not hold "
        f"for the noise {'the run is to draw' if planned else 'that ran'}"
    )


def _tails_over_delta(
    models: Sequence[Mapping[str, Any]], bound: float
) -> list[tuple[float, Mapping[str, Any]]]:
    """The models whose `seeded_tail_probability` of draws stopping at ``bound`` passes
    their δ, each with it."""
    return [(tail, m) for tail, m in _seeded_tails(models, bound)
            if isinstance(m.get("delta"), float) and tail > m["delta"]]  # fmt: skip


def secure_noise_reason(
    models: Sequence[Mapping[str, Any]], *, planned: bool = False
) -> str | None:
    """Why secure DP-SGD noise (``defense.dp.secure_mode=true``) leaves the models' ε no
    guarantee, or ``None``: its draws stop too, at `SECURE_NORMAL_BOUND` (17.1) standard
    deviations, and a σ small enough that a record's clipped gradient (1/σ of them) passes
    that often enough makes the tail probability of `seeded_noise_reason` pass δ. σ = 4e-6
    (just above what `noise_vanishes` refuses at batches of 64) spent ε 9.3e12 on digits,
    recorded with epsilon_valid true, while every step that sampled a record showed it
    (tail 1 over 240 steps, δ 2e-4). On the default plan below σ 0.078, whose ε (1.6e4) is
    beyond any use already; at a larger σ the secure noise's ε holds. ``planned``: of the
    noise the run is to draw (`DPSGD.planned_noise_reason`, before training)."""
    over = _tails_over_delta(models, SECURE_NORMAL_BOUND)
    if not over:
        return None
    tail, m = max(over, key=lambda t: t[0])
    return (
        f"noise_multiplier {m['noise_multiplier']:.4g}: the secure noise's draws "
        f"(defense.dp.secure_mode=true) stop at {SECURE_NORMAL_BOUND:.3g} standard "
        f"deviations, and a record's clipped gradient, {1 / m['noise_multiplier']:.3g} of "
        "them, moves a step's noisy sum where no draw without it reaches with probability "
        f"up to {tail:.2g} over a model's {int(m['steps'])} steps, above its δ "
        f"{m['delta']:.3g} ({len(over)} of {len(models)} models): the (ε, δ) does not hold "
        f"for the noise {'the run is to draw' if planned else 'that ran'}; raise "
        "defense.dp.noise_multiplier (or lower "
        "defense.dp.target_epsilon)"
    )


def _model_accountant(stats: Mapping[str, float], accountant: str) -> str:
    """The accountant whose figure a model's ε is (`epsilon_accountant`): ``rdp`` for a
    ``prv`` or ``gdp`` run past what those accountants compute, so that ``per_model``
    recomputes with the accountant it names; ``accountant`` where its parameters are
    missing (a checkpoint of an older mia-defense) or it took no step."""
    params = [stats.get(k) for k in ("noise_multiplier", "sample_rate", "steps", "delta")]
    if None in params or not params[2]:
        return accountant
    sigma, rate, steps, delta = params
    try:
        return epsilon_accountant(accountant, ((float(sigma), float(rate), int(steps)),),
                                  float(delta))  # fmt: skip
    except (ArithmeticError, ValueError):  # parameters no accountant takes (`schedule_epsilon`)
        return accountant


def _recomputed(model: Mapping[str, Any], accountant: str) -> float | None:
    """The ε a model's own (σ, q, steps, δ) give when it differs from the ε it recorded (a
    checkpoint's or store entry's, read back on resume); ``None`` when they agree or either
    is missing or NaN (then `privacy_report` says no ε is known)."""
    eps = model.get("epsilon")
    params = [model.get(k) for k in ("noise_multiplier", "sample_rate", "steps", "delta")]
    if eps is None or math.isnan(eps) or None in params:
        return None
    sigma, rate, steps, delta = params
    again = schedule_epsilon(accountant, float(sigma), float(rate), int(steps), float(delta))
    if math.isclose(eps, again, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return again


@functools.lru_cache(maxsize=64)
def schedule_epsilon(accountant: str, sigma: float, rate: float, steps: int, delta: float) -> float:
    """`epsilon_spent` of one model's schedule, computed once for the K models that share it
    (a PRV evaluation can take seconds); ∞ for parameters no accountant takes."""
    if not steps:
        return 0.0
    try:
        return epsilon_spent(accountant, ((sigma, rate, steps),), delta)
    except (ArithmeticError, ValueError):  # parameters no accountant takes: no guarantee
        return math.inf


def _worst_first(model: Mapping[str, Any]) -> float:
    """A model's ε for picking the worst: a NaN (or missing) ε ranks above every number, as
    ``max`` would otherwise keep whichever model came first beside it."""
    eps = model.get("epsilon")
    return math.inf if eps is None or math.isnan(eps) else float(eps)


def _rdp_bound(models: Sequence[Mapping[str, Any]]) -> float | None:
    """The largest ε the RDP accountant (an upper bound) gives the models' own (σ, q, steps)
    at their δ; ``None`` when a model lacks one of them."""
    bounds = []
    for m in models:
        sigma, rate, steps, delta = (m.get(k) for k in ("noise_multiplier", "sample_rate",
                                                         "steps", "delta"))  # fmt: skip
        if None in (sigma, rate, steps, delta):
            return None
        # (∞ for figures no run has, an edited checkpoint's δ of 2: epsilon_spent refuses them)
        bounds.append(schedule_epsilon("rdp", float(sigma), float(rate), int(steps), float(delta)))
    return max(bounds) if bounds else None


def _gdp_reason(bound: float | None) -> str:
    """Why the GDP accountant's ε is no guarantee, with the RDP bound of the same run."""
    figure = "" if bound is None else f" (the RDP accountant bounds this run's ε by {bound:.3g})"
    return (
        "defense.dp.accountant=gdp: a central-limit approximation that can underestimate the "
        f"privacy spent (Opacus warns so){figure}; use defense.dp.accountant=rdp or prv for a "
        "guarantee"
    )


def _stat(stats: Mapping[str, float], key: str) -> float | int | None:
    """One of a model's `PER_MODEL_KEYS` (``steps`` as an int; ``None`` when a checkpoint of
    an older mia-defense lacks it)."""
    if key not in stats:
        return None
    return int(stats[key]) if key == "steps" else float(stats[key])
