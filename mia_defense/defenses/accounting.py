"""Privacy accounting through Opacus' accountants, cached: ε spent and σ for a target ε.

Both DP paths (Opacus' ``PrivacyEngine`` in ``dp.py`` and the stacked ensemble in
``training/batched.py``) ask here, so they report the same ε for the same schedule. Opacus
is imported on first use: importing it costs about a second, which runs without DP skip.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mia_defense.errors import ConfigError

__all__ = [
    "PER_MODEL_KEYS",
    "default_delta",
    "epsilon_spent",
    "noise_multiplier_for",
    "privacy_report",
    "resolve_noise_multiplier",
]

# What each model's history records under DP-SGD: enough to recompute its ε with any
# accountant (one (σ, q, steps) run of the subsampled Gaussian at δ).
PER_MODEL_KEYS = ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta")


@functools.lru_cache(maxsize=256)
def _rdp_per_step(sigma: float, sample_rate: float) -> tuple[float, ...]:
    """RDP of one subsampled Gaussian step at Opacus' default orders (the costly part,
    about 0.15 s for the fractional orders)."""
    from opacus.accountants import RDPAccountant
    from opacus.accountants.analysis import rdp as rdp_analysis

    rdp = rdp_analysis.compute_rdp(
        q=sample_rate, noise_multiplier=sigma, steps=1, orders=RDPAccountant.DEFAULT_ALPHAS
    )
    return tuple(float(v) for v in rdp)


@functools.lru_cache(maxsize=4096)
def epsilon_spent(
    accountant: str, history: tuple[tuple[float, float, int], ...], delta: float
) -> float:
    """ε of an accountant ``history`` of ``(noise_multiplier, sample_rate, steps)`` at ``delta``.

    For ``rdp`` the per-step RDP is computed once per (σ, rate) and scaled by the step
    count, exactly what ``RDPAccountant`` does; ``prv`` and ``gdp`` ask a fresh accountant.
    Cached: the K models of a plan share their schedules, and ε is logged every epoch.
    """
    from opacus.accountants import RDPAccountant, create_accountant
    from opacus.accountants.analysis import rdp as rdp_analysis

    if accountant == "rdp":
        total = sum(
            np.asarray(_rdp_per_step(sigma, rate)) * steps for sigma, rate, steps in history
        )
        eps, _ = rdp_analysis.get_privacy_spent(
            orders=RDPAccountant.DEFAULT_ALPHAS, rdp=total, delta=delta
        )
        return float(eps)
    fresh = create_accountant(mechanism=accountant)
    fresh.history = list(history)
    return float(fresh.get_epsilon(delta))


@functools.lru_cache(maxsize=256)
def noise_multiplier_for(
    accountant: str, target_epsilon: float, delta: float, sample_rate: float, steps: int
) -> float:
    """σ that spends ``target_epsilon`` over ``steps`` (Opacus' ``get_noise_multiplier``,
    to within 0.01 in ε); cached, as the target and shadow ensembles share settings.

    Steps, not epochs: Opacus turns epochs into ``int(epochs / q)`` steps, one fewer than
    are taken when the division rounds down (q = 1/93: 92.999...)."""
    from opacus.accountants.utils import get_noise_multiplier

    return float(
        get_noise_multiplier(
            target_epsilon=target_epsilon,
            target_delta=delta,
            sample_rate=sample_rate,
            steps=steps,
            accountant=accountant,
            epsilon_tolerance=0.01,
        )
    )


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
    try:
        return noise_multiplier_for(accountant, target_epsilon, delta, sample_rate, steps)
    except ValueError as exc:
        raise ConfigError(
            f"defense.dp.target_epsilon={target_epsilon}: unreachable with "
            f"delta={delta:.3g}, sample rate {sample_rate:.3g} and {steps} steps ({exc}); "
            "raise the target or lower train.epochs"
        ) from exc


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
    rate q, steps, δ and accountant: ε can be recomputed from them alone.
    ``epsilon_valid`` is false, with ``epsilon_invalid_reason``, when the mechanism that ran
    is not the one the accountant analyses.

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
            "accountant": accountant,
        }
        for stats in per_model
    ]
    worst = max(models, key=lambda m: m["epsilon"])
    report: dict[str, Any] = {
        "epsilon": worst["epsilon"],
        "delta": max(m["delta"] for m in models),
        "noise_multiplier": worst["noise_multiplier"],
        "accountant": accountant,
        "epsilon_valid": invalid_reason is None,
    }
    if invalid_reason is not None:
        report["epsilon_invalid_reason"] = invalid_reason
    report.update(noise_source=noise_source, preprocessing=preprocessing, per_model=models)
    return report


def _stat(stats: Mapping[str, float], key: str) -> float | int | None:
    """One of a model's `PER_MODEL_KEYS` (``steps`` as an int; ``None`` when a checkpoint of
    an older mia-defense lacks it)."""
    if key not in stats:
        return None
    return int(stats[key]) if key == "steps" else float(stats[key])
