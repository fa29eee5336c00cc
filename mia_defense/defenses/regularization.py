"""Regularisers that shrink the generalisation gap membership inference feeds on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.errors import ConfigError, UnsupportedModelError

__all__ = ["Dropout", "EarlyStopping", "LabelSmoothing", "Mixup", "WeightDecay"]

log = logging.getLogger(__name__)


class WeightDecay(TrainingDefense):
    """L2 penalty on the weights, set on every parameter group of the optimizer.

    Replaces ``train.weight_decay`` for the run (Adam: coupled L2; SGD: classic decay).
    """

    name = "weight_decay"

    def __init__(self, *, coefficient: float = 5e-3) -> None:
        if not coefficient >= 0:
            raise ConfigError(f"defense.weight_decay.coefficient={coefficient}: must be >= 0")
        self.coefficient = float(coefficient)

    def hparams(self) -> dict[str, Any]:
        return {"coefficient": self.coefficient}

    def setup(self, ctx: TrainContext) -> None:
        for group in ctx.optimizer.param_groups:
            group["weight_decay"] = self.coefficient


_HOOKED = "_mia_dropout_hooks"


class Dropout(TrainingDefense):
    """Dropout with probability ``p`` on the input of every ``nn.Linear`` but the first.

    For an MLP that is dropout on every hidden layer's activations; for a CNN, on the
    features entering each classifier layer. It works by forward pre-hooks, so the
    model's architecture and checkpoints are unchanged, and does nothing in eval mode.
    """

    name = "dropout"

    def __init__(self, *, p: float = 0.5) -> None:
        if not 0.0 <= p < 1.0:
            raise ConfigError(f"defense.dropout.p={p}: must lie in [0, 1)")
        self.p = float(p)

    def hparams(self) -> dict[str, Any]:
        return {"p": self.p}

    def _hook(self, module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return (F.dropout(args[0], self.p, training=module.training), *args[1:])

    def prepare_model(self, model: nn.Module) -> nn.Module:
        if getattr(model, _HOOKED, False):
            return model
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        if len(linears) < 2:
            raise UnsupportedModelError(
                f"defense.dropout: model {type(model).__name__} has {len(linears)} nn.Linear "
                "layer(s) and so no hidden features to drop; use a model with a hidden layer "
                "(e.g. model=mlp) or drop the dropout defense"
            )
        for layer in linears[1:]:
            layer.register_forward_pre_hook(self._hook)
        setattr(model, _HOOKED, True)
        return model

    def setup(self, ctx: TrainContext) -> None:
        inner = getattr(ctx.model, "_module", ctx.model)
        if not getattr(inner, _HOOKED, False):
            self.prepare_model(inner)


class LabelSmoothing(TrainingDefense):
    """Cross-entropy against ``(1 - smoothing) * one_hot + smoothing / C`` (Szegedy et al. 2016).

    Caps how confident the model gets on its members. Accepts soft targets (mixup).
    """

    name = "label_smoothing"

    def __init__(self, *, smoothing: float = 0.1) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ConfigError(f"defense.label_smoothing.smoothing={smoothing}: must lie in [0, 1)")
        self.smoothing = float(smoothing)

    def hparams(self) -> dict[str, Any]:
        return {"smoothing": self.smoothing}

    def loss(self, logits: torch.Tensor, y: torch.Tensor, ctx: TrainContext) -> torch.Tensor:
        return F.cross_entropy(logits, y, label_smoothing=self.smoothing)


@torch.no_grad()
def _validate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    logits = model(x)
    model.train(was_training)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


class EarlyStopping(TrainingDefense):
    """Stop when the validation metric stops improving; restore the best weights.

    The validation data is the plan's reference split (``plan.reference_size``), which
    no model trains on and which is not part of the membership population.
    """

    name = "early_stopping"
    needs_reference = True

    def __init__(
        self,
        *,
        patience: int = 5,
        monitor: str = "loss",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        if patience < 0:
            raise ConfigError(f"defense.early_stopping.patience={patience}: must be >= 0")
        if monitor not in ("loss", "accuracy"):
            raise ConfigError(
                f"defense.early_stopping.monitor={monitor!r}: choose from ('loss', 'accuracy')"
            )
        if min_delta < 0:
            raise ConfigError(f"defense.early_stopping.min_delta={min_delta}: must be >= 0")
        self.patience = int(patience)
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.restore_best = bool(restore_best)
        self._best = -np.inf
        self._best_state: dict[str, torch.Tensor] | None = None
        self._bad_epochs = 0

    def hparams(self) -> dict[str, Any]:
        return {"patience": self.patience, "monitor": self.monitor, "min_delta": self.min_delta}

    def setup(self, ctx: TrainContext) -> None:
        if ctx.x_reference is None or ctx.y_reference is None or len(ctx.y_reference) == 0:
            raise ConfigError(
                "defense.early_stopping needs a validation split outside the membership "
                "population: set plan.reference_size (e.g. plan.reference_size=200)"
            )

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        assert ctx.x_reference is not None and ctx.y_reference is not None
        loss, acc = _validate(ctx.model, ctx.x_reference, ctx.y_reference)
        ctx.epoch_stats["val_loss"] = loss
        ctx.epoch_stats["val_accuracy"] = acc
        score = -loss if self.monitor == "loss" else acc
        if score > self._best + self.min_delta:
            self._best, self._bad_epochs = score, 0
            if self.restore_best:
                self._best_state = {
                    k: v.detach().clone() for k, v in ctx.model.state_dict().items()
                }
            return False
        self._bad_epochs += 1
        if self._bad_epochs > self.patience:
            log.debug("early stopping after epoch %d", epoch)
            return True
        return False

    def finish(self, ctx: TrainContext) -> None:
        if self.restore_best and self._best_state is not None:
            ctx.model.load_state_dict(self._best_state)


class _MixupBatches:
    """Wraps a loader: each batch becomes convex mixes of its samples with soft labels."""

    def __init__(
        self, inner: Any, *, alpha: float, num_classes: int, seed: int
    ) -> None:
        self.inner, self.alpha, self.num_classes = inner, alpha, num_classes
        self.rng = np.random.default_rng(seed)
        self.torch_gen = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for xb, yb in self.inner:
            if len(yb) == 0:
                yield xb, yb
                continue
            lam = float(self.rng.beta(self.alpha, self.alpha))
            perm = torch.randperm(len(yb), generator=self.torch_gen).to(yb.device)
            onehot = F.one_hot(yb, self.num_classes).to(xb.dtype)
            yield lam * xb + (1 - lam) * xb[perm], lam * onehot + (1 - lam) * onehot[perm]

    def __len__(self) -> int:
        return len(self.inner)


class Mixup(TrainingDefense):
    """Train on convex mixes of pairs of samples and of their labels (Zhang et al. 2018).

    λ ~ Beta(alpha, alpha) per batch. Batches carry soft labels, so it composes with
    cross-entropy and label smoothing, not with losses that need hard labels.
    """

    name = "mixup"
    order = 10  # wraps the loader after DP-SGD has replaced it (they do not compose anyway)

    def __init__(self, *, alpha: float = 0.4) -> None:
        if not alpha > 0:
            raise ConfigError(f"defense.mixup.alpha={alpha}: must be > 0")
        self.alpha = float(alpha)

    def hparams(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def setup(self, ctx: TrainContext) -> None:
        seed = int(torch.randint(0, 2**62, (1,), generator=ctx.generator,
                                 device=ctx.generator.device))
        ctx.loader = _MixupBatches(
            ctx.loader, alpha=self.alpha, num_classes=ctx.num_classes, seed=seed
        )
