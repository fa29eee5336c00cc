"""DP-SGD through Opacus: per-sample clipping, Gaussian noise, Poisson sampling, accounting."""

from __future__ import annotations

import logging
import math
import warnings
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mia_defense.defenses.accounting import (
    default_delta,
    epsilon_spent,
    resolve_noise_multiplier,
)
from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.models import check_dp_compatible

if TYPE_CHECKING:
    from opacus import PrivacyEngine

__all__ = ["ACCOUNTANTS", "DPSGD", "refuse_unsupported"]

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
        f"Fix: set {key}.auto_fix=true to replace the layers with Opacus' "
        "ModuleValidator.fix (BatchNorm -> GroupNorm), or use a model without them "
        "(model=mlp, cnn and resnet use GroupNorm)."
    )


class DPSGD(TrainingDefense):
    """Differentially private SGD (Abadi et al. 2016) with Opacus' ``PrivacyEngine``.

    Every step clips each sample's gradient to ``max_grad_norm`` and adds Gaussian noise
    of standard deviation ``noise_multiplier * max_grad_norm``; batches are drawn by
    Poisson sampling with rate batch_size / members, which is what the accountant assumes.
    ε spent is reported per epoch (``epoch_stats``) and at the end (``stats``).

    Give exactly one of ``noise_multiplier`` and ``target_epsilon``; with a target the
    noise multiplier is computed by Opacus' ``get_noise_multiplier`` for the planned
    epochs, so the budget is spent exactly at the last epoch (``inf``: clipping only).

    Attributes (plain, read by other trainers such as the batched ensemble):
        noise_multiplier: σ, or ``None`` until resolved from ``target_epsilon``.
        target_epsilon: ε to reach after the planned epochs, or ``None``.
        delta: δ, or ``None`` for 1 / (10 · members), below 1/N as DP requires.
        max_grad_norm: per-sample clipping norm C.
        accountant: ``rdp``, ``prv`` or ``gdp``.
        poisson_sampling: draw batches by Poisson sampling (else shuffled fixed batches).
        secure_mode: Opacus' secure RNG and noise (needs ``torchcsprng``; not reproducible).
        max_physical_batch_size: split logical batches into physical ones of at most this
            size (Opacus ``BatchMemoryManager``), or ``None``.
        auto_fix: replace layers Opacus cannot train (BatchNorm) with ``ModuleValidator.fix``
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
        self.noise_multiplier = None if noise_multiplier is None else float(noise_multiplier)
        self.target_epsilon = None if target_epsilon is None else float(target_epsilon)
        self.delta = None if delta is None else float(delta)
        self.max_grad_norm = float(max_grad_norm)
        self.accountant = accountant
        self.poisson_sampling = bool(poisson_sampling)
        self.secure_mode = bool(secure_mode)
        self.max_physical_batch_size = max_physical_batch_size
        self.auto_fix = bool(auto_fix)
        self._engine: PrivacyEngine | None = None
        self._delta_used: float | None = None

    def hparams(self) -> dict[str, Any]:
        return {
            "noise_multiplier": "auto" if self.noise_multiplier is None else self.noise_multiplier,
            "target_epsilon": self.target_epsilon if self.target_epsilon is not None else "none",
            "delta": self.delta if self.delta is not None else "auto",
            "max_grad_norm": self.max_grad_norm,
            "accountant": self.accountant,
            "poisson_sampling": self.poisson_sampling,
        }

    # -- the numbers, usable without training (e.g. by a batched trainer) --------------

    def resolve_delta(self, num_samples: int) -> float:
        """δ for ``num_samples`` members: the configured one, else 1 / (10 · N)."""
        return default_delta(self.delta, num_samples)

    def resolve_noise_multiplier(self, *, sample_rate: float, epochs: int, delta: float) -> float:
        """σ: the configured one, else the smallest that spends ``target_epsilon`` in ``epochs``."""
        return resolve_noise_multiplier(
            noise_multiplier=self.noise_multiplier,
            target_epsilon=self.target_epsilon,
            accountant=self.accountant,
            sample_rate=sample_rate,
            epochs=epochs,
            delta=delta,
        )

    # -- hooks ------------------------------------------------------------------------

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Fix unsupported layers when ``auto_fix`` is set, else refuse them clearly."""
        if self.auto_fix and check_dp_compatible(model):
            from opacus.validators import ModuleValidator

            fixed = ModuleValidator.fix(model)
            log.info("defense.dp.auto_fix: replaced unsupported layers (ModuleValidator.fix)")
            model = fixed
        refuse_unsupported(model)
        return model

    def setup(self, ctx: TrainContext) -> None:
        # Opacus is imported here, not at module level: it costs a second that runs
        # without DP need not pay.
        from opacus import PrivacyEngine
        from opacus.data_loader import DPDataLoader
        from opacus.utils.batch_memory_manager import wrap_data_loader

        model = self.prepare_model(ctx.model)
        if model is not ctx.model:  # fixed here rather than at build time: new parameters
            defaults = dict(ctx.optimizer.defaults)
            ctx.model, ctx.optimizer = model, type(ctx.optimizer)(model.parameters(), **defaults)
        num_samples = len(ctx.y)
        batch_size = ctx.batch_size or int(getattr(ctx.loader, "batch_size", 0))
        if batch_size < 1:
            raise ConfigError("defense.dp: unknown training batch size (set train.batch_size)")
        seed = int(torch.randint(0, 2**62, (1,), generator=ctx.generator,
                                 device=ctx.generator.device))
        loader = DataLoader(
            TensorDataset(ctx.x, ctx.y),
            batch_size=batch_size,
            shuffle=not self.poisson_sampling,
            generator=torch.Generator().manual_seed(seed),
        )
        if self.poisson_sampling and not self.secure_mode:
            loader = DPDataLoader.from_data_loader(loader)
        sample_rate = 1.0 / len(loader)
        delta = self.resolve_delta(num_samples)
        sigma = self.resolve_noise_multiplier(
            sample_rate=sample_rate, epochs=ctx.epochs, delta=delta
        )
        self.noise_multiplier = sigma
        self._delta_used = delta
        # Opacus' hooks fire on inputs that need no gradient: harmless, said once per batch.
        warnings.filterwarnings(
            "ignore", message="Full backward hook is firing", category=UserWarning
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Secure RNG turned off")
            engine = PrivacyEngine(accountant=self.accountant, secure_mode=self.secure_mode)
        model, optimizer, loader = engine.make_private(
            module=ctx.model,
            optimizer=ctx.optimizer,
            data_loader=loader,
            noise_multiplier=sigma,
            max_grad_norm=self.max_grad_norm,
            poisson_sampling=self.poisson_sampling and self.secure_mode,
            noise_generator=None if self.secure_mode else ctx.generator,
        )
        if self.poisson_sampling:
            model.forbid_grad_accumulation()
        if self.max_physical_batch_size is not None:
            loader = wrap_data_loader(
                data_loader=loader, max_batch_size=self.max_physical_batch_size, optimizer=optimizer
            )
        ctx.model, ctx.optimizer, ctx.loader = model, optimizer, loader
        self._engine = engine
        log.debug("DP-SGD: sigma %.4f, sample rate %.4f, delta %.3g", sigma, sample_rate, delta)

    def epsilon(self) -> float:
        """ε spent so far at the run's δ (0 before the first step)."""
        if self._engine is None or self._delta_used is None:
            return 0.0
        if len(self._engine.accountant) == 0:
            return 0.0
        if not self.noise_multiplier:
            return math.inf
        history = tuple(
            (float(sigma), float(rate), int(steps))
            for sigma, rate, steps in self._engine.accountant.history
        )
        return epsilon_spent(self.accountant, history, self._delta_used)

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        ctx.epoch_stats["epsilon"] = self.epsilon()
        return False

    def finish(self, ctx: TrainContext) -> None:
        ctx.stats["epsilon"] = self.epsilon()
        ctx.stats["delta"] = float(self._delta_used or 0.0)
        ctx.stats["noise_multiplier"] = float(self.noise_multiplier or 0.0)
        cleanup = getattr(ctx.model, "cleanup", None)
        if callable(cleanup):
            cleanup()  # drop Opacus' hooks and per-sample gradients from the returned module
