"""DP-SGD through Opacus: per-sample clipping, Gaussian noise, Poisson sampling, accounting.

Opacus' ``GradSampleModule`` gives the per-sample gradients, its ``DPOptimizer`` clips and
sums them, and its accountants give ε; the batches and the noise come from the mechanism the
stacked ensemble shares (`mia_defense.defenses.dp_mechanism`), so both paths run the same
mechanism: Poisson batches (empty ones included, as a noise-only step that is counted) and
noise from a seeded or a secure source.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from mia_defense.defenses.accounting import (
    default_delta,
    epsilon_spent,
    privacy_report,
    resolve_noise_multiplier,
)
from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.defenses.dp_mechanism import (
    DPSchedule,
    RandomSource,
    gaussian_noise,
    poisson_mask,
)
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.models import check_dp_compatible
from mia_defense.models.validation import fix_for_dp

if TYPE_CHECKING:
    from opacus.accountants import IAccountant
    from opacus.optimizers import DPOptimizer

__all__ = [
    "ACCOUNTANTS",
    "DPSGD",
    "empty_batch_step",
    "preprocessing_note",
    "refuse_unsupported",
]

log = logging.getLogger(__name__)

ACCOUNTANTS = ("rdp", "prv", "gdp")


def refuse_unsupported(model: nn.Module, *, key: str = "defense.dp") -> None:
    """Raise `UnsupportedModelError` listing every layer Opacus cannot train, and the fix.

    The per-layer problems come from `mia_defense.models.check_dp_compatible` (Opacus'
    ``ModuleValidator`` per named submodule: BatchNorm mixes the samples of a batch, so
    per-sample gradients and the DP guarantee do not exist for it).
    """
    problems = check_dp_compatible(model)
    if not problems:
        return
    listing = "\n".join(f"  - {p}" for p in problems)
    raise UnsupportedModelError(
        f"{key}: Opacus cannot train this model with DP-SGD:\n{listing}\n"
        f"Fix: set {key}.auto_fix=true to replace the layers (BatchNorm -> GroupNorm, "
        "mia_defense.models.fix_for_dp), or use a model without them "
        "(model=mlp, cnn and resnet use GroupNorm)."
    )


_UNACCOUNTED_SAMPLING = (
    "defense.dp.poisson_sampling=false: the models trained on shuffled fixed-size batches, "
    "but ε is computed for Poisson sampling at rate q, which the accountant assumes; this "
    "ε does not bound the mechanism that ran (defense.dp.allow_unaccounted_sampling=true)"
)


class DPSGD(TrainingDefense):
    """Differentially private SGD (Abadi et al. 2016) with Opacus.

    Every step draws a Poisson batch at rate q = 1 / ceil(members / batch_size), clips each
    sample's gradient to ``max_grad_norm`` (Opacus' ``DPOptimizer``), adds Gaussian noise of
    standard deviation ``noise_multiplier * max_grad_norm`` to the sum and divides by the
    expected batch size; a step whose draw is empty adds the noise alone and is counted.
    ε spent is reported per epoch (``epoch_stats``) and at the end (``stats``).

    Give exactly one of ``noise_multiplier`` and ``target_epsilon``; with a target the
    noise multiplier is computed by Opacus' ``get_noise_multiplier`` for the planned
    steps, so the budget is spent exactly at the last epoch (``inf``: clipping only).

    Attributes (plain, read by other trainers such as the batched ensemble):
        noise_multiplier: σ, or ``None`` until resolved from ``target_epsilon``.
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
        max_physical_batch_size: split logical batches into physical ones of at most this
            size (as Opacus' ``BatchMemoryManager``), or ``None``.
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
        if (noise_multiplier is None) == (target_epsilon is None):
            raise ConfigError(
                f"defense.dp.noise_multiplier={noise_multiplier}, defense.dp.target_epsilon="
                f"{target_epsilon}: set exactly one of them (the other to null)"
            )
        if noise_multiplier is not None and noise_multiplier < 0:
            raise ConfigError(f"defense.dp.noise_multiplier={noise_multiplier}: must be >= 0")
        if target_epsilon is not None and not target_epsilon > 0:
            raise ConfigError(f"defense.dp.target_epsilon={target_epsilon}: must be > 0")
        if delta is not None and not 0 < delta < 1:
            raise ConfigError(f"defense.dp.delta={delta}: must lie in (0, 1), below 1/N")
        if not max_grad_norm > 0:
            raise ConfigError(f"defense.dp.max_grad_norm={max_grad_norm}: must be > 0")
        if accountant not in ACCOUNTANTS:
            raise ConfigError(
                f"defense.dp.accountant={accountant!r}: unexpected accountant, "
                f"choose from {ACCOUNTANTS}"
            )
        if max_physical_batch_size is not None and max_physical_batch_size < 1:
            raise ConfigError(
                f"defense.dp.max_physical_batch_size={max_physical_batch_size}: must be >= 1 "
                "or null"
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
        self.max_physical_batch_size = max_physical_batch_size
        self.auto_fix = bool(auto_fix)
        self._accountant: IAccountant | None = None
        self._delta_used: float | None = None
        self._sample_rate: float | None = None

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

    # -- the numbers, usable without training (e.g. by a batched trainer) --------------

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
        self, per_model: Sequence[Mapping[str, float]], *, preprocessing: str
    ) -> dict[str, Any]:
        """results.json's ``privacy`` block from the K models' ``stats`` (`privacy_report`)."""
        return privacy_report(
            per_model,
            accountant=self.accountant,
            noise_source=self.noise_source,
            preprocessing=preprocessing,
            invalid_reason=self.invalid_reason,
        )

    # -- hooks ------------------------------------------------------------------------

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Fix unsupported layers when ``auto_fix`` is set, else refuse them clearly."""
        if self.auto_fix and check_dp_compatible(model):
            model = fix_for_dp(model)
            log.info("defense.dp.auto_fix: replaced unsupported layers (fix_for_dp)")
        refuse_unsupported(model)
        return model

    def source(self, generator: torch.Generator) -> RandomSource:
        """The model's randomness: its own ``generator`` (seeded) or the OS CSPRNG (secure)."""
        return RandomSource.secure() if self.secure_mode else RandomSource.seeded(generator)

    def setup(self, ctx: TrainContext) -> None:
        # Opacus is imported here, not at module level: it costs a second that runs
        # without DP need not pay.
        from opacus import GradSampleModule
        from opacus.accountants import create_accountant

        model = self.prepare_model(ctx.model)
        if model is not ctx.model:  # fixed here rather than at build time: new parameters
            defaults = dict(ctx.optimizer.defaults)
            ctx.model, ctx.optimizer = model, type(ctx.optimizer)(model.parameters(), **defaults)
        num_samples = len(ctx.y)
        batch_size = ctx.batch_size or int(getattr(ctx.loader, "batch_size", 0))
        if batch_size < 1:
            raise ConfigError("defense.dp: unknown training batch size (set train.batch_size)")
        schedule = DPSchedule.of(num_samples, batch_size)
        delta = self.resolve_delta(num_samples)
        sigma = self.resolve_noise_multiplier(
            sample_rate=schedule.sample_rate,
            steps=ctx.epochs * schedule.steps_per_epoch,
            delta=delta,
        )
        self.noise_multiplier, self._delta_used = sigma, delta
        self._sample_rate = schedule.sample_rate
        # Opacus' hooks fire on inputs that need no gradient: harmless, said once per batch.
        warnings.filterwarnings(
            "ignore", message="Full backward hook is firing", category=UserWarning
        )
        source = self.source(ctx.generator)
        module = GradSampleModule(ctx.model)
        optimizer = _sourced_optimizer_class()(
            ctx.optimizer,
            noise_multiplier=sigma,
            max_grad_norm=self.max_grad_norm,
            expected_batch_size=schedule.expected_batch_size,
            source=source,
        )
        accountant = create_accountant(mechanism=self.accountant)
        optimizer.attach_step_hook(accountant.get_optimizer_hook_fn(schedule.sample_rate))
        loader: Iterable[tuple[torch.Tensor, torch.Tensor]] = ctx.loader  # shuffled batches
        if self.poisson_sampling:
            module.forbid_grad_accumulation()
            loader = _PoissonBatches(ctx.x, ctx.y, schedule=schedule, source=source)
        if self.max_physical_batch_size is not None:
            loader = _PhysicalBatches(
                loader, max_size=self.max_physical_batch_size, optimizer=optimizer
            )
        ctx.model, ctx.optimizer, ctx.loader = module, optimizer, loader
        self._accountant = accountant
        log.debug(
            "DP-SGD: sigma %.4f, sample rate %.4f, delta %.3g, %s noise",
            sigma, schedule.sample_rate, delta, source.name,
        )

    def steps(self) -> int:
        """Steps accounted so far (every step taken, empty draws included)."""
        if self._accountant is None:
            return 0
        return sum(int(steps) for _, _, steps in self._accountant.history)

    def epsilon(self) -> float:
        """ε spent so far at the run's δ (0 before the first step)."""
        if self._accountant is None or self._delta_used is None or not self.steps():
            return 0.0
        if not self.noise_multiplier:
            return math.inf
        history = tuple(
            (float(sigma), float(rate), int(steps))
            for sigma, rate, steps in self._accountant.history
        )
        return epsilon_spent(self.accountant, history, self._delta_used)

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        ctx.epoch_stats["epsilon"] = self.epsilon()
        return False

    def finish(self, ctx: TrainContext) -> None:
        ctx.stats["epsilon"] = self.epsilon()
        ctx.stats["delta"] = float(self._delta_used or 0.0)
        ctx.stats["noise_multiplier"] = float(self.noise_multiplier or 0.0)
        ctx.stats["sample_rate"] = float(self._sample_rate or 0.0)
        ctx.stats["steps"] = float(self.steps())
        cleanup = getattr(ctx.model, "cleanup", None)
        if callable(cleanup):
            cleanup()  # drop Opacus' hooks and per-sample gradients from the returned module


def empty_batch_step(optimizer: torch.optim.Optimizer) -> None:
    """Step on an empty Poisson draw: the clipped sum is zero, the noise alone moves the
    model, and the accountant counts the step (what Opacus does with an empty batch).

    Each trainable parameter gets an empty per-sample gradient, as a forward and backward
    pass over zero samples would leave; a non-DP optimizer has nothing to do.
    """
    for group in optimizer.param_groups:
        for param in group["params"]:
            if param.requires_grad:
                param.grad_sample = param.new_zeros((0, *param.shape))
    optimizer.step()


class _PoissonBatches:
    """An epoch of Poisson batches of ``(x, y)``: ``steps_per_epoch`` draws of `poisson_mask`,
    empty ones included (the loop then takes a noise-only step)."""

    def __init__(
        self, x: torch.Tensor, y: torch.Tensor, *, schedule: DPSchedule, source: RandomSource
    ) -> None:
        self.x, self.y, self.schedule, self.source = x, y, schedule, source

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for _ in range(self.schedule.steps_per_epoch):
            mask = poisson_mask(len(self.y), self.schedule.sample_rate, self.source)
            idx = mask.nonzero().flatten().to(self.y.device)
            yield self.x[idx], self.y[idx]

    def __len__(self) -> int:
        return self.schedule.steps_per_epoch


class _PhysicalBatches:
    """Each logical batch in chunks of at most ``max_size``; the optimizer steps after the
    last chunk only (Opacus' ``BatchMemoryManager``); an empty batch stays one chunk."""

    def __init__(
        self,
        loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
        *,
        max_size: int,
        optimizer: DPOptimizer,
    ) -> None:
        self.loader, self.max_size, self.optimizer = loader, max_size, optimizer

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for x, y in self.loader:
            chunks = max(1, math.ceil(len(y) / self.max_size))
            for i, (xc, yc) in enumerate(
                zip(x.tensor_split(chunks), y.tensor_split(chunks), strict=True)
            ):
                self.optimizer.signal_skip_step(do_skip=i < chunks - 1)
                yield xc, yc


@functools.cache
def _sourced_optimizer_class() -> type[DPOptimizer]:
    """Opacus' ``DPOptimizer`` drawing its noise with `gaussian_noise` from a `RandomSource`
    (built on first use: importing Opacus is slow)."""
    from opacus.optimizers import DPOptimizer

    class SourcedDPOptimizer(DPOptimizer):
        """``DPOptimizer`` whose noise is one `gaussian_noise` vector over every parameter,
        in ``parameters()`` order, as the stacked ensemble draws it."""

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


def preprocessing_note(dataset: Mapping[str, Any]) -> str:
    """results.json's ``privacy.preprocessing``: what data-dependent preprocessing the
    accounting leaves out, from the ``dataset`` config node."""
    keys = [key for key in ("standardize", "normalize") if key in dataset]
    if any(bool(dataset[key]) for key in keys):
        key = next(key for key in keys if dataset[key])
        return (
            f"outside the accounting: dataset.{key}=true scales the features with means and "
            "standard deviations of the whole dataset, members included"
        )
    return (
        "outside the accounting: no data-dependent scaling by mia-defense "
        f"({', '.join(f'dataset.{k}=false' for k in keys) or 'none configured'}); "
        "whatever a custom loader does is not accounted either"
    )
