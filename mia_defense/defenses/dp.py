"""DP-SGD as a training defense: Poisson sampling, per-sample clipping, noise, accounting.

One mechanism, two engines (``train.engine``):

- ``stacked``: the engine's own DP-SGD (`mia_defense.defenses.dp_stacked`): per-sample clipped
  sums by ghost norms or ``vmap(grad)``, one noise vector per model, for every model of a
  chunk at once;
- ``opacus``: one model at a time, Opacus' ``GradSampleModule`` and ``DPOptimizer`` (the
  reference implementation), with the noise drawn by `gaussian_noise`.

Both draw the batches here (`PrivateSteps.draws`: Poisson, empty draws included as
noise-only steps that are counted) and the noise from the same `RandomSource`, so with one
seed they train the same weights. σ is fixed once for the whole ensemble (`DPSGD.plan`).
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
import statistics
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from mia_defense.constraints import shown
from mia_defense.defenses.accounting import (
    FLOAT32_TINY,
    MAX_TARGET_EPSILON,
    default_delta,
    noise_vanishes,
    privacy_report,
    resolve_noise_multiplier,
    schedule_epsilon,
    secure_noise_reason,
    seeded_noise_reason,
    shared_noise_multiplier,
)
from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense
from mia_defense.defenses.dp_mechanism import DPSchedule, RandomSource, gaussian_noise
from mia_defense.defenses.dp_models import (
    guard_forward_hooks,
    refuse_aliased_modules,
    refuse_batch_mixing,
    refuse_batch_position,
    refuse_forward_hooked,
    refuse_no_grad_samples,
    refuse_opacus_rows_not_own,
    refuse_stacked_per_sample,
    refuse_unsupported,
    refuse_updated_buffers,
    refuse_used_outside,
)
from mia_defense.defenses.dp_preprocessing import preprocessing_note, preprocessing_reason
from mia_defense.defenses.dp_stacked import (
    GhostTaps,
    NotGhostable,
    PrivateSteps,
    clipped_grad_sums,
    ghost_clipped_sums,
    ghost_forward,
    ghost_norms_not_own,
    ghost_plan,
    sample_output_grads,
)
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.models import check_dp_compatible
from mia_defense.models.validation import (
    fix_for_dp,
    used_outside_their_layers,
)
from mia_defense.seeding import set_torch_rng_state, torch_rng_kept, torch_rng_state
from mia_defense.torch_notes import ignore_note
from mia_defense.training.engine import gather_batch

if TYPE_CHECKING:
    from opacus.accountants import IAccountant
    from opacus.optimizers import DPOptimizer

__all__ = [
    "ACCOUNTANTS",
    "DPSGD",
    "foreign_defenses_reason",
    "guard_forward_hooks",
    "preprocessing_note",
    "preprocessing_reason",
    "refuse_aliased_modules",
    "refuse_batch_mixing",
    "refuse_batch_position",
    "refuse_forward_hooked",
    "refuse_no_grad_samples",
    "refuse_opacus_rows_not_own",
    "refuse_unsupported",
    "refuse_updated_buffers",
    "refuse_used_outside",
    "warn_seeded_noise_tail",
    "warn_unused_physical_batches",
]

log = logging.getLogger(__name__)

ACCOUNTANTS = ("rdp", "prv", "gdp")

# Per-sample clipping norms C beyond this range are warned: usual models' per-sample gradient
# norms lie inside it (most DP-SGD work clips at 0.1-10).
CLIP_RANGE = (1e-3, 1e3)
# A C more than CLIP_FACTOR times the median of the model's per-sample gradient norms at its
# initial weights clips next to nothing, and under Adam the noise then sets every step; one
# below 1/CLIP_LOW_FACTOR of it moves SGD's weights by next to nothing (digits' MLP, norms
# ~45: C=500 and 1000 under Adam, C=0.001 and 0.01 under SGD trained to 12%, 11%, 8% and 19%
# test accuracy; C=1: 71% and 86%; SGD at C=1000 still reached 68%).
CLIP_FACTOR = 10.0
CLIP_LOW_FACTOR = 1000.0
# Adam divides its steps by the gradients' size: a C below CLIP_RANGE still trains while the
# clipped, noised mean (≥ C·max(σ, 1)/batch) stays above this, ten times Adam's eps (digits:
# C=1e-5 trained as C=1, 0.69 vs 0.71 test accuracy).
ADAM_EPS_MARGIN = 1e-7
# Bounds no standard normal draw of the noise exceeds (`RandomSource.normal`: float32
# torch.normal, or four Box-Muller draws from 53-bit uniforms, at most 17.2 in all): with
# it `frozen_weights_problem` bounds every step's noise per coordinate.
_NOISE_Z_BOUND = 40.0
# float32's normal range (from `FLOAT32_TINY`), in which the models clip and add noise:
# outside it C is 0 or inf.
_FLOAT32_MAX = float(torch.finfo(torch.float32).max)
# The largest noise standard deviation σ·C whose square fits float32 (about 1.8e19): Adam's
# second moment squares the noisy gradient, and σ=1e30 made it inf, so no model took a step.
_NOISE_STD_MAX = math.sqrt(_FLOAT32_MAX)


def _warn_meaningless_epsilon(report: Mapping[str, Any]) -> None:
    """Say so when a run's noise spent an ε above `MAX_TARGET_EPSILON`, where a target ε is
    refused: an explicit ``noise_multiplier`` (0.01 spent 8.8e4 on the default plan) made a
    DP run that guarantees nothing, and it reported ε with ``epsilon_valid: true`` without a
    word. No noise at all (σ = 0, ε = inf) is the documented way to train without it."""
    from mia_defense.report.objectives import epsilon_vacuous  # (the limit's one test)

    epsilon, sigma = report.get("epsilon"), report.get("noise_multiplier")
    if not epsilon_vacuous(epsilon):
        return
    log.warning(
        "defense.dp.noise_multiplier=%g spent epsilon %.4g (delta %.3g): above %g, where "
        "epsilon guarantees nothing (an attacker's TPR may be e^epsilon times its FPR), so "
        "the models trained almost as without DP under a DP run's name; results.json "
        "records it as spent. For a guarantee, raise defense.dp.noise_multiplier, or set "
        "defense.dp.target_epsilon (<= %g; most DP work uses 0.1-10) and noise_multiplier=null",
        sigma, epsilon, report.get("delta", math.nan), MAX_TARGET_EPSILON, MAX_TARGET_EPSILON,
    )


def _number(value: Any, key: str) -> float | None:
    """``value`` if it is a number or ``None``, else a `ConfigError` naming
    ``defense.dp.<key>``: Python callers get no config schema check (a string or a bool
    slipped through, or failed in a comparison's TypeError)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ConfigError(f"defense.dp.{key}={shown(value)}: must be a number or null")
    if isinstance(value, numbers.Integral) and abs(int(value)) > sys.float_info.max:
        raise ConfigError(f"defense.dp.{key}={value}: too large for a float (at most about "
                          "1.8e308)")  # (10**400: float() of it raised OverflowError)
    return value


def _refuse_vanishing_noise(
    sigma: float, max_grad_norm: float, what: str, fix: str, expected_batch: int = 1
) -> None:
    """A `ConfigError` for a σ > 0 whose noise float32 loses where the models add it
    (`noise_vanishes`: σ·C below its normal range, or below its precision at the clipped
    sums of ``expected_batch`` gradients), so that ε is infinite, yet the accountant's finite
    ε for σ was reported as a guarantee (noise_multiplier=1e-46: ε 3.3e92; 1e-6 at batches
    of 64: ε 4.4e12; both epsilon_valid true). ``what``: the setting that gave σ; ``fix``:
    what to change."""
    reason = noise_vanishes(sigma, max_grad_norm, expected_batch)
    if reason is None:
        return
    raise ConfigError(
        f"{what} with defense.dp.max_grad_norm={max_grad_norm:g}: {reason}, and no ε holds; "
        f"{fix}"
    )


def _refuse_beyond_float32(max_grad_norm: float) -> None:
    """A `ConfigError` for a clipping norm outside float32's normal range: the models clip
    and add noise in float32, where 1e-40 is 0 (no step and no noise, yet an ε reported)
    and 1e39 is inf (NaN weights)."""
    if FLOAT32_TINY <= max_grad_norm <= _FLOAT32_MAX:
        return
    raise ConfigError(
        f"defense.dp.max_grad_norm={max_grad_norm:g}: outside float32's range "
        f"[{FLOAT32_TINY:.2g}, {_FLOAT32_MAX:.2g}], in which the models clip and add noise "
        f"(it becomes 0 or inf there); set it near the per-sample gradient norms, inside "
        f"[{CLIP_RANGE[0]:g}, {CLIP_RANGE[1]:g}] (e.g. 1.0)"
    )


def initial_grad_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """The per-sample gradient norms (jointly over all parameters, as DP-SGD clips them) of
    ``model``'s cross-entropy on each of the samples ``x``, ``y`` at its current weights,
    in training mode; the global RNG and the model's buffers are left as they were. One
    backward pass per sample: a few samples suffice to place C."""
    params = [p for p in model.parameters() if p.requires_grad]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    was_training = model.training
    norms = []
    try:
        with torch.random.fork_rng(devices=[]):
            model.train()
            for i in range(len(x)):
                loss = nn.functional.cross_entropy(model(x[i : i + 1]).float(), y[i : i + 1])
                grads = torch.autograd.grad(loss, params, allow_unused=True)
                squares = sum(float(g.double().pow(2).sum()) for g in grads if g is not None)
                norms.append(math.sqrt(squares))
    finally:
        model.train(was_training)
        model.load_state_dict(state)
    return norms


_UNACCOUNTED_SAMPLING = (
    "defense.dp.poisson_sampling=false: the models trained on shuffled fixed-size batches, "
    "but ε is computed for Poisson sampling at rate q, which the accountant assumes; this "
    "ε does not bound the mechanism that ran (defense.dp.allow_unaccounted_sampling=true)"
)


def warn_seeded_noise_tail(
    defenses: Sequence[TrainingDefense], *, sizes: Sequence[int], batch_size: int, epochs: int
) -> None:
    """Say before training that DP-SGD's noise (seeded, or secure at a σ below its draws'
    reach) will leave ε no guarantee (`DPSGD.planned_noise_reason`: results.json's
    ``privacy.epsilon_valid`` false), as
    `warn_unaccounted_beside_dp` says its other reasons. Once a run: the pipeline calls it,
    with the plan's member counts ``sizes``."""
    for defense in defenses:
        if isinstance(defense, DPSGD) and type(defense).__module__.startswith("mia_defense."):
            reason = defense.planned_noise_reason(sizes=sizes, batch_size=batch_size,
                                                  epochs=epochs)  # fmt: skip
            if reason is not None:
                log.warning("defense.dp: ε will not be a guarantee (privacy.epsilon_valid: "
                            "false): %s", reason)  # fmt: skip


def warn_unused_physical_batches(defenses: Sequence[TrainingDefense], *, engine: str) -> None:
    """Say that defense.dp.max_physical_batch_size does nothing with ``engine`` opacus. Once
    a run: the pipeline calls it (said as Opacus was set up, it came once per model, 16
    copies at the default plan.num_models)."""
    if engine != "opacus":
        return
    for defense in defenses:
        if isinstance(defense, DPSGD) and defense.max_physical_batch_size is not None:
            log.warning(
                "defense.dp.max_physical_batch_size=%d has no effect with train.engine=opacus "
                "(one forward pass per logical batch; the same gradients either way); "
                "train.engine=stacked bounds the per-sample gradients with it",
                defense.max_physical_batch_size,
            )


class DPSGD(TrainingDefense):
    """Differentially private SGD (Abadi et al. 2016).

    Every step draws a Poisson batch at rate q = 1 / ceil(members / batch_size), clips each
    sample's gradient jointly over all parameters to ``max_grad_norm``, adds Gaussian noise
    of standard deviation ``noise_multiplier * max_grad_norm`` to the sum and divides by the
    expected batch size; a step whose draw is empty adds the noise alone and is counted.
    ε spent is reported per epoch (``epoch_stats``) and at the end (``stats``).

    Give exactly one of ``noise_multiplier`` and ``target_epsilon``; with a target, `plan`
    finds the one σ that every model of the ensemble can use and still spend at most the
    target in its planned steps (``inf``: clipping only).

    Attributes:
        noise_multiplier: σ as configured, or ``None`` (derived from ``target_epsilon``).
        target_epsilon: ε to reach after the planned epochs, or ``None``.
        delta: δ, or ``None`` for 1 / (10 · members), below 1/N as DP requires.
        max_grad_norm: per-sample clipping norm C.
        accountant: ``rdp``, ``prv`` or ``gdp``.
        poisson_sampling: draw batches by Poisson sampling. ``False`` (shuffled fixed
            batches, which the accountant does not analyse) is refused unless
            ``allow_unaccounted_sampling``; results.json then says ``epsilon_valid: false``.
        allow_unaccounted_sampling: accept ``poisson_sampling=False``.
        secure_mode: sampling and noise from the OS CSPRNG, never from the seed (not
            reproducible; see `dp_mechanism.RandomSource`).
        max_physical_batch_size: ``train.engine=stacked``: at most this many samples per
            model have their per-sample gradients formed at once (models whose per-sample
            norms are ghost norms form none: it changes nothing for them). ``None``: as many
            as fit in 256 MiB. The gradients are the same either way.
            ``train.engine=opacus`` runs one forward pass per logical batch and ignores it
            (with a warning): the engine has no physical batches to split into.
        auto_fix: replace layers Opacus cannot train (BatchNorm) with `fix_for_dp`
            instead of raising `UnsupportedModelError`.
    """

    name = "dp"
    order = 0

    def __init__(
        self,
        *,
        noise_multiplier: float | None = None,
        target_epsilon: float | None = None,
        delta: float | None = None,
        max_grad_norm: float = 1.0,
        accountant: str = "rdp",
        poisson_sampling: bool = True,
        allow_unaccounted_sampling: bool = False,
        secure_mode: bool = False,
        max_physical_batch_size: int | None = None,
        auto_fix: bool = False,
    ) -> None:
        noise_multiplier = _number(noise_multiplier, "noise_multiplier")
        target_epsilon = _number(target_epsilon, "target_epsilon")
        delta = _number(delta, "delta")
        max_grad_norm = _number(max_grad_norm, "max_grad_norm")
        for key, flag in (("poisson_sampling", poisson_sampling),
                          ("allow_unaccounted_sampling", allow_unaccounted_sampling),
                          ("secure_mode", secure_mode), ("auto_fix", auto_fix)):
            if not isinstance(flag, bool):
                raise ConfigError(f"defense.dp.{key}={shown(flag)}: must be true or false")
        if (noise_multiplier is None) == (target_epsilon is None):
            raise ConfigError(
                f"defense.dp.noise_multiplier={noise_multiplier}, defense.dp.target_epsilon="
                f"{target_epsilon}: set exactly one of them (the other to null)"
            )
        if noise_multiplier is not None and not 0 <= noise_multiplier < math.inf:
            raise ConfigError(f"defense.dp.noise_multiplier={noise_multiplier}: must be >= 0 "
                              "and finite (no nan or inf)")  # fmt: skip
        if target_epsilon is not None and not target_epsilon > 0:
            raise ConfigError(f"defense.dp.target_epsilon={target_epsilon}: must be > 0")
        if target_epsilon is not None and math.isinf(target_epsilon):
            raise ConfigError(  # (it calibrated σ=0: training without noise, ε recorded inf)
                f"defense.dp.target_epsilon={target_epsilon}: must be finite; an infinite ε "
                "guarantees nothing (set noise_multiplier=0 to train without noise)"
            )
        if target_epsilon is not None and target_epsilon > MAX_TARGET_EPSILON:
            raise ConfigError(
                f"defense.dp.target_epsilon={target_epsilon}: above {MAX_TARGET_EPSILON:g}, "
                "where ε guarantees nothing (an attacker's TPR may be e^ε times its FPR) and "
                "the noise calibrated for it falls towards none (σ = 1e-100 for 1e308): the "
                "models would train as without DP under a DP run's name; choose target_epsilon <= "
                f"{MAX_TARGET_EPSILON:g} (most DP work uses 0.1-10), or set "
                "noise_multiplier=0 and target_epsilon=null to train without noise on purpose"
            )
        if delta is not None and not 0 < delta < 1:
            raise ConfigError(f"defense.dp.delta={delta}: must lie in (0, 1), below 1/N")
        if max_grad_norm is None or not 0 < max_grad_norm < math.inf:
            raise ConfigError(f"defense.dp.max_grad_norm={max_grad_norm}: must be > 0 and "
                              "finite (no nan or inf)")  # fmt: skip
        _refuse_beyond_float32(max_grad_norm)
        if noise_multiplier is not None:
            _refuse_vanishing_noise(
                noise_multiplier, max_grad_norm,
                f"defense.dp.noise_multiplier={noise_multiplier:g}",
                "raise it (most DP work uses 0.5-10), or set it to 0 to train without noise on "
                "purpose (ε = inf)",
            )
        if noise_multiplier is not None and noise_multiplier * max_grad_norm > _NOISE_STD_MAX:
            std = noise_multiplier * max_grad_norm
            raise ConfigError(
                f"defense.dp.noise_multiplier={noise_multiplier:g} with max_grad_norm="
                f"{max_grad_norm:g}: noise of standard deviation {std:.3g} per step, beyond "
                f"{_NOISE_STD_MAX:.2g}, whose square overflows float32: Adam's second moment "
                "squares the noisy gradients (at σ=1e30 it became inf, no model took a step and "
                "the run stopped after training as one whose weights never changed), and no ε "
                "is bought by it (σ=1e10 and 1e17 spent the same 0.055 on digits, the "
                f"accountant's floor); choose noise_multiplier <= "
                f"{_NOISE_STD_MAX / max_grad_norm:.2g} (most DP work uses 0.5-10), or set "
                "target_epsilon and noise_multiplier=null"
            )
        if max_physical_batch_size is not None:  # (as_integer's rule, in its own words)
            from mia_defense.metrics.inputs import as_integer  # (scipy: not at start-up)

            try:
                as_integer(max_physical_batch_size, key="", low=1)
            except ConfigError:
                raise ConfigError(f"defense.dp.max_physical_batch_size="
                                  f"{shown(max_physical_batch_size)}: must be an integer >= 1 or "
                                  "null") from None  # fmt: skip
        if accountant not in ACCOUNTANTS:
            raise ConfigError(
                f"defense.dp.accountant={shown(accountant)}: unexpected accountant, "
                f"choose from {ACCOUNTANTS}"
            )
        if not poisson_sampling and secure_mode:
            raise ConfigError(
                "defense.dp.secure_mode=true with defense.dp.poisson_sampling=false: secure "
                "mode is for a claim that holds, and the accountant does not cover shuffled "
                "batches; set poisson_sampling=true"
            )
        if not poisson_sampling and not allow_unaccounted_sampling:
            raise ConfigError(
                "defense.dp.poisson_sampling=false: shuffled fixed-size batches are not the "
                "Poisson sampling the accountant analyses, so the reported ε would not hold; "
                "keep poisson_sampling=true, or set defense.dp.allow_unaccounted_sampling=true "
                "to train anyway with results.json saying privacy.epsilon_valid: false"
            )
        self.noise_multiplier = None if noise_multiplier is None else float(noise_multiplier)
        self.target_epsilon = None if target_epsilon is None else float(target_epsilon)
        self.delta = None if delta is None else float(delta)
        self.max_grad_norm = float(max_grad_norm)
        self.accountant = accountant
        self.poisson_sampling = bool(poisson_sampling)
        self.allow_unaccounted_sampling = bool(allow_unaccounted_sampling)
        self.secure_mode = bool(secure_mode)
        self.max_physical_batch_size = (
            None if max_physical_batch_size is None else int(max_physical_batch_size)
        )
        self.auto_fix = bool(auto_fix)
        self._sigma: float | None = None  # the ensemble's σ, fixed by `plan`
        self._steps: PrivateSteps | None = None
        self._strategy = "ghost"
        self._rng_state: tuple[torch.Tensor, ...] | None = None
        self._taps: GhostTaps | None = None  # this step's forward pass, tapped (ghost)
        self._ghost_layers: list = []  # the model's layers with a ghost rule
        self._accountant: IAccountant | None = None  # Opacus' own (train.engine=opacus)
        self._hook_guard: list = []  # guard_forward_hooks' handles (train.engine=opacus)

    def clip_norm_problem(
        self, norms: Sequence[float] = (), *, adaptive: bool | None = None, batch_size: int = 1
    ) -> str | None:
        """Why ``max_grad_norm`` makes the run meaningless, or ``None``: far below usual
        per-sample gradient norms (`CLIP_RANGE`) every step is too small to move the weights
        (below Adam's eps, or lr·C under SGD); far above them, with noise, nothing is
        clipped and the noise of std σ·C drowns the gradients. Either way the models learn
        nothing, and the run reports an ε and a leak of untrained models.

        ``norms``: the model's per-sample gradient norms at its initial weights on the
        run's data, which `measured_clip_problem` judges C against inside `CLIP_RANGE`;
        ``adaptive``: whether the optimiser scales its steps by the gradients' size (Adam:
        a small C then only shrinks what it divides out, down to its eps), ``None`` if
        unknown; ``batch_size``: the expected batch the noisy sum is divided by."""
        low, high = CLIP_RANGE
        noisy = self.noise_multiplier is None or self.noise_multiplier > 0
        if low <= self.max_grad_norm and (self.max_grad_norm <= high or not noisy):
            return self.measured_clip_problem(norms, adaptive=adaptive, noisy=noisy)
        sigma = self.noise_multiplier if self.noise_multiplier is not None else 1.0
        if self.max_grad_norm < low and adaptive and (
            self.max_grad_norm * max(sigma, 1.0) / batch_size >= ADAM_EPS_MARGIN
        ):
            return None  # Adam's steps do not shrink with C above its eps
        if self.max_grad_norm < low:
            effect = ("every per-sample gradient is clipped to a step too small to move the "
                      "weights (below Adam's eps 1e-8, or lr·C under SGD)")
        else:
            effect = ("no per-sample gradient is clipped, and the noise (std σ·C per "
                      "coordinate) drowns them all")
        return (
            f"defense.dp.max_grad_norm={self.max_grad_norm:g}: outside [{low:g}, {high:g}], "
            f"where usual per-sample gradient norms lie (most DP-SGD work clips at 0.1-10): "
            f"{effect}, so the models learn nothing and the run measures untrained models; "
            "set it near the gradients' norms (e.g. defense.dp.max_grad_norm=1.0)"
        )

    def measured_clip_problem(
        self, norms: Sequence[float], *, adaptive: bool | None, noisy: bool
    ) -> str | None:
        """Why a C inside `CLIP_RANGE` is still meaningless for this model, from its
        per-sample gradient norms at its initial weights (``norms``), or ``None``: with
        noise and Adam (an optimiser that is not known to follow the gradients' size), C
        beyond `CLIP_FACTOR` times their median clips next to nothing and the noise σ·C
        drowns them (C=1000 trained digits' MLP to chance, silent); under one whose steps
        follow the gradients' size (SGD), C below 1/`CLIP_LOW_FACTOR` of the median
        shrinks every step to nothing (C=0.001, silent too). Not where the norms clipped at
        C still average over 1/`CLIP_FACTOR` of it: saturated outputs (breast_cancer's raw
        features) give most records a norm near 0 and the misclassified ones norms far above
        C, which clipping bounds and which train the models (0.785 test accuracy at C=1)."""
        if not len(norms):
            return None
        largest, median = float(max(norms)), float(statistics.median(norms))
        clipped_mean = statistics.fmean(min(n, self.max_grad_norm) for n in norms)
        measured = (f"the per-sample gradient norms of the model at its initial weights on "
                    f"the run's data (median {median:.3g}, largest {largest:.3g})")  # fmt: skip
        advice = (f"set it near the gradients' norms (e.g. defense.dp.max_grad_norm="
                  f"{median:.2g}) or below them")  # fmt: skip
        if (noisy and adaptive is not False and self.max_grad_norm > CLIP_FACTOR * median
                and self.max_grad_norm > CLIP_FACTOR * clipped_mean):
            return (f"defense.dp.max_grad_norm={self.max_grad_norm:g}: more than "
                    f"{CLIP_FACTOR:g} times the median of {measured}: next to no per-sample "
                    "gradient is clipped, and the noise (std σ·C per coordinate) drowns them "
                    "all under an optimiser that scales each coordinate's step (Adam), so "
                    f"the models learn nothing and the run measures untrained models; {advice}")
        if adaptive is False and self.max_grad_norm * CLIP_LOW_FACTOR < median:
            return (f"defense.dp.max_grad_norm={self.max_grad_norm:g}: below 1/"
                    f"{CLIP_LOW_FACTOR:g} of {measured}: every per-sample gradient is clipped "
                    "to a step too small to move the weights under an optimiser whose steps "
                    "follow the gradients' size (lr·C under SGD), so the models learn "
                    f"nothing and the run measures untrained models; {advice}")
        return None

    def frozen_weights_problem(
        self, model: nn.Module, *, sizes: Sequence[int], extra: int, batch_size: int,
        epochs: int, step_scale: float, under: str,
    ) -> str | None:
        """Why no weight of ``model`` (model 0 of the run at its initial weights; ``sizes``:
        the plan's member counts, model 0's first; ``extra``: gradient canaries added to
        its clipped sums) can move under a ``max_grad_norm`` below `CLIP_RANGE` (asked then), or
        ``None``: each coordinate of a step's clipped, noised mean gradient is at most
        C·(members + extra + `_NOISE_Z_BOUND`·σ) / E[B] (σ: the ensemble's), and the optimiser
        moves a weight by at most ``step_scale`` times that (Adam: lr/eps; SGD:
        lr/(1 - momentum)); below half of the float spacing at every weight, twice over
        for rounding, every step rounds back to the weight, and the run would stop after
        training every model as one of untrained models (C=1e-30, 1e-20: exit 2).
        ``under``: the optimiser's words. The bound is a proof, not an estimate: C=1e-12,
        which trains, is not refused."""
        members = int(sizes[0]) if len(sizes) else 0
        if members < 1 or not math.isfinite(step_scale):
            return None
        weights = [p.detach().abs().flatten() for p in model.parameters() if p.requires_grad]
        if not weights or any(isinstance(p, nn.parameter.UninitializedParameter)
                              for p in model.parameters()):  # fmt: skip
            return None
        values = torch.cat(weights)  # (mixed dtypes: promoted, the finer spacing kept)
        if not bool(torch.isfinite(values).all()) or bool((values == 0).any()):
            return None  # (a zero weight moves at any step that is not zero)
        spacing = float((values - torch.nextafter(values, torch.zeros_like(values))).min())
        self.plan(sizes=sizes, batch_size=batch_size, epochs=epochs)
        sigma = float(self._sigma or 0.0)
        expected = DPSchedule.of(members, batch_size).expected_batch_size
        largest = self.max_grad_norm * (members + extra + _NOISE_Z_BOUND * sigma) / expected
        step = step_scale * largest
        if not 2 * step < spacing / 2:
            return None
        return (
            f"defense.dp.max_grad_norm={self.max_grad_norm:g}: too small for any weight to "
            f"move: a step of DP-SGD moves a weight by at most {step:.2g} ({under}, times the "
            f"clipped and noised mean gradient's largest coordinate, at most {largest:.2g} at "
            f"σ={sigma:.3g}), below half the float spacing at each initial weight of target "
            f"model 0 (the smallest {spacing:.2g}): training would change none of them, and "
            "the run would stop after training every model, as a run of untrained models; "
            "set it near the per-sample gradient norms (e.g. defense.dp.max_grad_norm=1.0)"
        )

    @property
    def noise_source(self) -> str:
        """``secure`` or ``seeded``: where sampling and noise come from."""
        return "secure" if self.secure_mode else "seeded"

    @property
    def invalid_reason(self) -> str | None:
        """Why the accountant's ε does not describe the mechanism, or ``None``."""
        return None if self.poisson_sampling else _UNACCOUNTED_SAMPLING

    def hparams(self) -> dict[str, Any]:
        return {
            "noise_multiplier": "auto" if self.noise_multiplier is None else self.noise_multiplier,
            "target_epsilon": self.target_epsilon if self.target_epsilon is not None else "none",
            "delta": self.delta if self.delta is not None else "auto",
            "max_grad_norm": self.max_grad_norm,
            "accountant": self.accountant,
            "poisson_sampling": self.poisson_sampling,
            "noise_source": self.noise_source,
        }

    # -- the numbers, usable without training --------------------------------------------

    def resolve_delta(self, num_samples: int) -> float:
        """δ for ``num_samples`` members: the configured one, else 1 / (10 · N)."""
        return default_delta(self.delta, num_samples)

    def resolve_noise_multiplier(self, *, sample_rate: float, steps: int, delta: float) -> float:
        """σ: the configured one, else the smallest that spends ``target_epsilon`` in ``steps``."""
        return resolve_noise_multiplier(
            noise_multiplier=self.noise_multiplier,
            target_epsilon=self.target_epsilon,
            accountant=self.accountant,
            sample_rate=sample_rate,
            steps=steps,
            delta=delta,
        )

    def privacy_report(
        self,
        per_model: Sequence[Mapping[str, float]],
        *,
        dataset: Mapping[str, Any],
        stacked_with: Sequence[TrainingDefense] = (),
        one_hot_columns: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """results.json's ``privacy`` block from the K models' ``stats`` (`privacy_report`);
        ``dataset``: the run's dataset config, whose data-dependent preprocessing the block
        names (`preprocessing_note`) and which may make ε no guarantee
        (`preprocessing_reason`), as may the text columns the loader one-hot encoded
        (``one_hot_columns``: the loaded `Dataset`'s; ``None`` when unknown);
        ``stacked_with``: the run's other training defenses.
        This one counts among them when it is a subclass of the user's own (its mechanism
        is then the user's code, as `warn_unaccounted_beside_dp` warns before training)."""
        reasons = [self.invalid_reason, foreign_defenses_reason([self, *stacked_with]),
                   preprocessing_reason(dataset, one_hot_columns=one_hot_columns)]
        report = privacy_report(
            per_model,
            accountant=self.accountant,
            noise_source=self.noise_source,
            preprocessing=preprocessing_note(dataset, one_hot_columns=one_hot_columns),
            invalid_reason="; ".join(filter(None, reasons)) or None,
        )
        _warn_meaningless_epsilon(report)
        return report

    # -- hooks ------------------------------------------------------------------------

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Fix unsupported layers when ``auto_fix`` is set, else refuse them clearly."""
        if self.auto_fix and check_dp_compatible(model):
            model = fix_for_dp(model)
            log.info("defense.dp.auto_fix: replaced unsupported layers (fix_for_dp)")
            left = check_dp_compatible(model)
            if left:  # (refuse_unsupported's fix is to set auto_fix=true: it is set)
                listing = "\n".join(f"  - {p}" for p in left)
                raise UnsupportedModelError(
                    "defense.dp.auto_fix=true replaced the layers it knows (BatchNorm -> "
                    "GroupNorm, Opacus' fixes), but Opacus still cannot train this model "
                    f"with DP-SGD:\n{listing}\nFix: change these layers in the model itself"
                )
        refuse_unsupported(model)
        return model

    def source(self, generator: torch.Generator) -> RandomSource:
        """The model's randomness: its own ``generator`` (seeded) or the OS CSPRNG (secure)."""
        return RandomSource.secure() if self.secure_mode else RandomSource.seeded(generator)

    def plan(self, *, sizes: Sequence[int], batch_size: int, epochs: int) -> None:
        """Fix the σ of every model of the ensemble (member counts ``sizes``): the
        configured one, else the largest any model needs to spend at most the target ε in
        its planned steps, so every chunk (and a resumed run) trains with the same σ."""
        sizes = [n for n in sizes if n > 0]  # a model without members fails in the engine
        if not sizes:
            return
        most = max(sizes)
        if self.delta is not None and self.delta * most >= 1:
            raise ConfigError(
                f"defense.dp.delta={self.delta:g}: at or above 1/N = 1/{most} (N: the most "
                "members a model trains on), where (ε, δ)-DP allows publishing a member's "
                f"record outright; set it below 1/N (e.g. {0.1 / most:.1g}) or to null "
                "(1/(10·N))"
            )
        schedules = [DPSchedule.of(n, batch_size) for n in sizes]
        sigma = shared_noise_multiplier(
            noise_multiplier=self.noise_multiplier,
            target_epsilon=self.target_epsilon,
            accountant=self.accountant,
            runs=[
                (s.sample_rate, epochs * s.steps_per_epoch, self.resolve_delta(n))
                for s, n in zip(schedules, sizes, strict=True)
            ],
        )
        if sigma * self.max_grad_norm > _NOISE_STD_MAX:  # (a σ given is refused up front)
            raise ConfigError(
                f"defense.dp.max_grad_norm={self.max_grad_norm:g} with the σ={sigma:.3g} "
                f"calibrated for target_epsilon={self.target_epsilon:g}: noise of standard "
                f"deviation {sigma * self.max_grad_norm:.3g} per step, beyond "
                f"{_NOISE_STD_MAX:.2g}, whose square overflows float32 (Adam's second moment "
                "squares the noisy gradients: no model would take a step); set "
                "defense.dp.max_grad_norm near the per-sample gradient norms, inside "
                f"[{CLIP_RANGE[0]:g}, {CLIP_RANGE[1]:g}] (e.g. 1.0)"
            )
        batch = max(s.expected_batch_size for s in schedules)  # (the largest clipped sums)
        if self.noise_multiplier is not None:  # (against one clipped gradient: up front)
            _refuse_vanishing_noise(
                sigma, self.max_grad_norm, f"defense.dp.noise_multiplier={sigma:g}",
                "raise it (most DP work uses 0.5-10), or set it to 0 to train without noise "
                "on purpose (ε = inf)", batch,
            )
        else:
            _refuse_vanishing_noise(
                sigma, self.max_grad_norm, f"the σ={sigma:.3g} calibrated for "
                f"defense.dp.target_epsilon={self.target_epsilon:g}", "raise "
                "defense.dp.max_grad_norm towards the per-sample gradient norms (e.g. 1.0), "
                "or lower defense.dp.target_epsilon", batch,
            )
        self._sigma = sigma

    def planned_stats(
        self, *, sizes: Sequence[int], batch_size: int, epochs: int
    ) -> list[dict[str, float] | None]:
        """The σ, q, δ and (least) steps each model's ``stats`` records under this run's
        settings (`plan`; ``None`` for a model without members): a resumed model's stats
        that differ were edited or written by another run, and give another ε."""
        self.plan(sizes=sizes, batch_size=batch_size, epochs=epochs)
        return [None if n <= 0 else {
            "noise_multiplier": float(self._sigma or 0.0),
            "sample_rate": float((s := DPSchedule.of(n, batch_size)).sample_rate),
            "steps": float(epochs * s.steps_per_epoch), "delta": self.resolve_delta(n),
        } for n in sizes]  # fmt: skip

    def planned_noise_reason(
        self, *, sizes: Sequence[int], batch_size: int, epochs: int
    ) -> str | None:
        """Why the noise of this run's plan will leave its ε no guarantee
        (`seeded_noise_reason`, or `secure_noise_reason` with secure_mode, of the
        `planned_stats`, each model's ε by its accountant), or ``None`` (a tail below every
        model's δ): known before training,
        from σ, q, steps and δ alone, where results.json's ``epsilon_valid`` said it only
        after (mia-train defense=dp defense.dp.target_epsilon=50: 1.4e-3 over 240 steps,
        above δ 2e-4)."""
        planned = [m for m in self.planned_stats(sizes=sizes, batch_size=batch_size,
                                                 epochs=epochs) if m is not None]  # fmt: skip
        models = [{**m, "epsilon": schedule_epsilon(
            self.accountant, m["noise_multiplier"], m["sample_rate"], int(m["steps"]),
            m["delta"])} for m in planned]  # fmt: skip
        reason = secure_noise_reason if self.secure_mode else seeded_noise_reason
        return reason(models, planned=True)

    def steps_per_epoch(self, size: int, batch_size: int) -> int | None:
        if not self.poisson_sampling:
            return None
        return DPSchedule.of(size, batch_size).steps_per_epoch

    def setup(self, ctx: TrainContext) -> None:
        if ctx.batch_size < 1:
            raise ConfigError("defense.dp: unknown training batch size (set train.batch_size)")
        refuse_unsupported(ctx.stack.models[0])
        refuse_updated_buffers(ctx.stack.models[0], ctx.x.shape[1:])
        refuse_batch_mixing(ctx.stack.models[0], ctx.x.shape[1:], rows=ctx.x[:6])
        # (a sample's gradient in a batch must be its own alone: 4 of the run's records)
        refuse_batch_position(ctx.stack.models[0], ctx.x[:4])
        # (a weight read outside its layer's calls: per-layer per-sample gradients drop it)
        outside = used_outside_their_layers(ctx.stack.models[0], ctx.x[:2])
        if ctx.engine == "opacus":
            refuse_no_grad_samples(ctx.stack.models[0], ctx.x[:2])
            refuse_forward_hooked(ctx.stack.models[0], ctx.x[:4])
            self._hook_guard = guard_forward_hooks(ctx.stack.models[0])
            refuse_used_outside(ctx.stack.models[0], outside)
            refuse_opacus_rows_not_own(ctx.stack.models[0], ctx.x[:4])
        else:
            refuse_aliased_modules(ctx.stack.models[0])
        if self._sigma is None:  # trained without an ensemble plan: σ for these models
            self.plan(sizes=ctx.sizes, batch_size=ctx.batch_size, epochs=ctx.epochs)
        assert self._sigma is not None
        self._steps = PrivateSteps(
            sizes=ctx.sizes,
            batch_size=ctx.batch_size,
            sigma=self._sigma,
            max_grad_norm=self.max_grad_norm,
            deltas=[self.resolve_delta(n) for n in ctx.sizes],
            sources=[self.source(gen) for gen in ctx.generators],
            accountant=self.accountant,
        )
        if ctx.engine == "opacus":
            self._setup_opacus(ctx)
        else:
            self._strategy, self._ghost_layers = ghost_plan(ctx.stack.models[0])
            if outside:  # vmap(grad) of the whole forward pass holds every use
                self._strategy, self._ghost_layers = "materialised", []
            elif self._strategy == "ghost":
                self._check_ghost_norms(ctx.stack.models[0], ctx.x[:4])
            if self._strategy != "ghost" and len(ctx.stack) > 1:
                refuse_stacked_per_sample(ctx.stack.models[0], ctx.x[:2])
        log.debug(
            "DP-SGD (%s engine, %s per-sample norms): sigma %.4f, %s noise",
            ctx.engine, self._strategy if ctx.engine != "opacus" else "Opacus", self._sigma,
            self.noise_source,
        )

    def _check_ghost_norms(self, model: nn.Module, rows: torch.Tensor) -> None:
        """Form the per-sample gradients by ``vmap(grad)`` (``materialised``) where the ghost
        norms of ``model`` on the run's records ``rows`` are not each sample's own
        (`ghost_norms_not_own`: a model that reorders the batch around a layer clipped one
        sample's gradient in parts, up to √2·C), saying why."""
        layers = (ghost_norms_not_own(model, rows, self._ghost_layers)  # (both orders: as
                  or ghost_norms_not_own(model, rows.flip(0), self._ghost_layers))  # Opacus')
        if not layers:
            return
        log.warning(
            "defense.dp: the ghost norms of %s's layers %s on %d of the run's records are "
            "not each sample's own gradient norms (the forward reorders the samples of the "
            "batch around them, as h = self.fc(x[perm])[inverse], and ghost norms take a "
            "layer's row i as sample i's): DP-SGD forms each sample's gradient by "
            "vmap(grad) instead, clipped whole (slower, the same guarantee)",
            type(model).__name__, ", ".join(n or "<root>" for n in layers[:3]), len(rows),
        )
        self._strategy, self._ghost_layers = "materialised", []

    def _setup_opacus(self, ctx: TrainContext) -> None:
        """Opacus' ``GradSampleModule`` around the module, its ``DPOptimizer`` (noise from
        the model's source) around the optimiser, and its accountant counting the steps."""
        # Opacus is imported here, not at module level: it costs a second that runs
        # without it need not pay.
        from opacus import GradSampleModule
        from opacus.accountants import create_accountant

        if ctx.stack.vectorised or ctx.num_models != 1:
            raise ValueError("train.engine=opacus trains one model at a time (module mode)")
        assert self._steps is not None and self._sigma is not None
        schedule = self._steps.schedules[0]
        # Opacus' hooks fire on inputs that need no gradient: harmless, said once per batch.
        ignore_note("Full backward hook is firing", UserWarning)
        module = GradSampleModule(ctx.stack.module)
        if self.poisson_sampling:
            module.forbid_grad_accumulation()
        optimizer = _sourced_optimizer_class()(
            ctx.optimizer,
            noise_multiplier=self._sigma,
            max_grad_norm=self.max_grad_norm,
            expected_batch_size=schedule.expected_batch_size,
            source=self._steps.sources[0],
        )
        self._accountant = create_accountant(mechanism=self.accountant)
        optimizer.attach_step_hook(self._accountant.get_optimizer_hook_fn(schedule.sample_rate))
        ctx.stack.module, ctx.optimizer = module, optimizer

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch] | None:
        """Each model's Poisson draws (``None`` without Poisson sampling: shuffled batches)."""
        if not self.poisson_sampling:
            return None
        assert self._steps is not None
        return (
            gather_batch(ctx, pos, valid, stepping)
            for pos, valid, stepping in self._steps.draws(ctx.active)
        )

    def forward(self, batch: Batch, ctx: TrainContext) -> torch.Tensor | None:
        """The step's forward pass with every layer's input tapped when all have ghost
        rules (the default MLP): `backward` then takes the per-sample norms from it, with no
        second pass. ``None`` (the engine's pass) for the other strategies and Opacus."""
        self._taps = None
        if ctx.engine == "opacus":
            return None
        # The global generators as the forward pass begins: a per-sample pass (mixed,
        # materialised) replays the engine's random draws (dropout) from them.
        self._rng_state = torch_rng_state(ctx.device)
        if self._strategy != "ghost":
            return None
        try:
            self._taps = ghost_forward(ctx.stack, batch.x, self._ghost_layers)
        except NotGhostable:  # e.g. nn.Linear on [B, T, F] inputs: per-sample gradients
            set_torch_rng_state(self._rng_state, ctx.device)  # the engine's pass draws as if first
            self._strategy = "materialised"
            return None
        return self._taps.logits

    def backward(
        self, logits: torch.Tensor | None, loss: torch.Tensor | None, batch: Batch,
        ctx: TrainContext,
    ) -> bool:
        if ctx.engine == "opacus":
            if logits is None:  # an empty draw: Opacus' DPOptimizer adds the noise alone
                _empty_grad_samples(ctx.optimizer)
                return True
            return False  # autograd through GradSampleModule; DPOptimizer clips and noises
        assert self._steps is not None
        stack = ctx.stack
        counted = batch.stepping & ctx.active
        if logits is None or loss is None:  # every draw empty: noise-only steps
            sums = {name: torch.zeros_like(p.detach()) for name, p in stack.stacked().items()}
        else:
            out_grads = sample_output_grads(logits, loss, batch.valid)
            sums = None
            if self._taps is not None and self._taps.logits is logits:  # our own pass
                try:
                    sums = ghost_clipped_sums(self._taps, out_grads, batch.valid,
                                              self.max_grad_norm)  # fmt: skip
                except (torch.utils.checkpoint.CheckpointError, NotGhostable):  # a backward
                    # pass replaying the forward without the taps, or a forward run outside the
                    # graph (checkpoint's, either way): vmap(grad), which names what it cannot
                    # run (only those: an out-of-memory error is no reason to switch silently)
                    self._strategy = "materialised"
            if sums is None:
                with torch_rng_kept(ctx.device, self._rng_state):
                    sums, self._strategy = clipped_grad_sums(
                        stack, batch.x, out_grads, batch.valid,
                        max_grad_norm=self.max_grad_norm, strategy=self._strategy,
                        chunk=self.max_physical_batch_size, logits=logits,
                    )
        self._taps = None
        stack.set_grads(self._steps.noisy_grads(sums, stack.trainable_names, counted))
        return True

    def steps(self, k: int = 0) -> int:
        """Steps model k has taken, empty draws included: counted by Opacus' accountant
        (``train.engine=opacus``) or by the engine's DP-SGD (``stacked``)."""
        if self._accountant is not None:
            return sum(int(steps) for _, _, steps in self._accountant.history)
        return 0 if self._steps is None else self._steps.steps[k]

    def epsilon(self, k: int = 0) -> float:
        """ε spent so far by model k at its δ (0 before the first step)."""
        return 0.0 if self._steps is None else self._steps.epsilon(k, self.steps(k))

    def end_epoch(self, ctx: TrainContext, epoch: int) -> None:
        for k in range(ctx.num_models):
            ctx.epoch_stats[k]["epsilon"] = self.epsilon(k)
        return None

    def finish(self, ctx: TrainContext) -> None:
        assert self._steps is not None
        if self._steps.canaries is not None:  # (the one-run audit's: its record is complete)
            self._steps.canaries.finish()
        stopped = 0
        for k in range(ctx.num_models):
            # A model stopped early (early_stopping) is accounted for its planned steps: when
            # it stopped was decided from its noisy trajectory, so the ε of the steps it took
            # is no guarantee (the run of every planned step, cut where the rule says, is a
            # post-processing of the whole: its ε is the planned steps').
            taken = self.steps(k)
            planned = ctx.epochs * self._steps.schedules[k].steps_per_epoch
            ctx.stats[k].update(self._steps.stats(k, max(taken, planned)))
            if taken < planned:
                ctx.stats[k]["steps_taken"] = float(taken)
                stopped += 1
        if stopped:
            log.info("defense.dp: %d of %d models stopped before their planned steps; their ε "
                     "is that of the planned steps (privacy.per_model: steps, steps_taken)",
                     stopped, ctx.num_models)
        for handle in self._hook_guard:  # (the released model runs its hooks as written)
            handle.remove()
        cleanup = getattr(ctx.stack.module, "cleanup", None)
        if ctx.engine == "opacus" and callable(cleanup):
            cleanup()  # drop Opacus' hooks and per-sample gradients from the trained module
            ctx.stack.module = ctx.stack.models[0]


def _empty_grad_samples(optimizer: torch.optim.Optimizer) -> None:
    """Prepare Opacus' ``DPOptimizer`` for a step on an empty Poisson draw: each trainable
    parameter gets an empty per-sample gradient, as a forward and backward pass over zero
    samples would leave; the step then adds the noise alone and the accountant counts it
    (what Opacus does with an empty batch)."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            if param.requires_grad:
                param.grad_sample = param.new_zeros((0, *param.shape))


@functools.cache
def _sourced_optimizer_class() -> type[DPOptimizer]:
    """Opacus' ``DPOptimizer`` drawing its noise with `gaussian_noise` from a `RandomSource`
    (built on first use: importing Opacus is slow)."""
    from opacus.optimizers import DPOptimizer

    class SourcedDPOptimizer(DPOptimizer):
        """``DPOptimizer`` whose noise is one `gaussian_noise` vector over every parameter,
        in ``parameters()`` order, as the stacked engine draws it."""

        def __init__(self, *args: Any, source: RandomSource, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.source = source

        def add_noise(self) -> None:
            sums = [p.summed_grad for p in self.params]
            std = self.noise_multiplier * self.max_grad_norm
            total = sum(s.numel() for s in sums)
            noise = gaussian_noise(total, std, self.source, device=sums[0].device)
            for param, part in zip(
                self.params, noise.split([s.numel() for s in sums]), strict=True
            ):
                param.grad = param.summed_grad + part.view_as(param)

    return SourcedDPOptimizer


def foreign_defenses(defenses: Sequence[TrainingDefense]) -> list[str]:
    """The defenses of ``defenses`` that are not mia-defense's, as ``module.Class``."""
    kinds = [type(d) for d in defenses]
    return [f"{k.__module__}.{k.__qualname__}" for k in kinds
            if not k.__module__.startswith("mia_defense.")]  # fmt: skip


def foreign_defenses_reason(defenses: Sequence[TrainingDefense]) -> str | None:
    """Why ε is no guarantee when DP-SGD trained beside defenses of the user's own, or
    ``None``: the accounting covers mia-defense's defenses, each checked with it (those that
    break it are refused); a batch transform, a loss, a training step or a stopping rule of
    one's own can let one record reach every other record's clipped gradient."""
    foreign = foreign_defenses(defenses)
    if not foreign:
        return None
    return (f"trained beside defenses of your own ({', '.join(foreign)}): DP-SGD's accounting "
            "covers mia-defense's defenses only, whose effect on it is known; one of yours "
            "can let a record reach other records' clipped gradients (a batch transform, a "
            "loss, a training step, a stopping rule that reads the members)")  # fmt: skip
