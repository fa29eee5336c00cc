"""RelaxLoss (Chen et al. 2022): keep the training loss near a target level, not at zero."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense, masked_mean
from mia_defense.defenses.values import check_finite, check_fits_float32, check_number
from mia_defense.errors import ConfigError

__all__ = ["RelaxLoss"]

# Each model's lowest batch loss, in its stats (`RelaxLoss.idle_reason` reads it).
LOWEST_LOSS = "relaxloss_lowest_loss"


class RelaxLoss(TrainingDefense):
    """Members' loss is held around ``alpha`` so it looks like a non-member's.

    Following the authors' code: on even epochs the loss is ``|CE - alpha|`` (gradient
    ascent once the mean loss falls below ``alpha``); on odd epochs a batch whose loss is
    below ``alpha`` is trained with posterior flattening instead: misclassified samples
    are pulled to a target that keeps their true-class probability (capped at ``upper``)
    and spreads the rest evenly over the other classes (``(1 - correct) * soft_ce``, as in
    the authors' code), while the plain cross-entropy term is ascended for every sample.

    Args:
        alpha: the target loss level (larger: more privacy, less accuracy).
        upper: cap on the true-class probability of the flattened target.
    """

    name = "relaxloss"

    def __init__(self, *, alpha: float = 0.5, upper: float = 1.0) -> None:
        check_number("defense.relaxloss.alpha", alpha)
        check_number("defense.relaxloss.upper", upper)
        if not alpha > 0:
            raise ConfigError(f"defense.relaxloss.alpha={alpha}: must be > 0")
        check_finite("defense.relaxloss.alpha", alpha)
        check_fits_float32(
            "defense.relaxloss.alpha", alpha,
            fix="choose the members' target loss (Chen et al. use about 0.5-2; above ln C, a "
            "uniform guess's loss over C classes, it trains the models below chance)",
        )  # fmt: skip
        if not 0 < upper <= 1:
            raise ConfigError(f"defense.relaxloss.upper={upper}: must lie in (0, 1]")
        self.alpha = float(alpha)
        self.upper = float(upper)
        self._epoch = 0
        self._lowest: torch.Tensor | None = None  # each model's lowest batch loss

    def hparams(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "upper": self.upper}

    def setup(self, ctx: TrainContext) -> None:
        """Refuse an ``upper`` below chance (1/C): the flattened target would give every
        other class more probability than the true one, training towards wrong labels."""
        self._lowest = None
        c = ctx.num_classes
        if self.upper < 1 / c:
            raise ConfigError(
                f"defense.relaxloss.upper={self.upper}: below 1/{c} (chance for the dataset's "
                f"{c} classes): the flattened target would give each other class more "
                f"probability than the true class, training the models towards wrong labels; "
                f"choose upper in [1/{c}, 1] = [{1 / c:.4g}, 1]"
            )

    def loss(self, logits: torch.Tensor, batch: Batch, ctx: TrainContext) -> torch.Tensor:
        y, c = batch.y, ctx.num_classes
        per_sample = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")  # [K, B]
        mean = masked_mean(per_sample, batch)
        if self._lowest is None or self._lowest.shape != mean.shape:
            self._lowest = torch.full_like(mean.detach(), math.inf)
        trained = batch.valid.any(1)  # (a model without a record in the batch: mean 0)
        self._lowest = torch.where(trained, torch.fmin(self._lowest, mean.detach()),
                                   self._lowest)  # (for `finish`)  # fmt: skip
        if self._epoch % 2 == 0:
            return (mean - self.alpha).abs()
        log_probs = F.log_softmax(logits, dim=-1)
        with torch.no_grad():
            correct = (logits.argmax(dim=-1) == y).float()
            p_true = log_probs.exp().gather(-1, y[..., None])[..., 0].clamp(max=self.upper)
            onehot = F.one_hot(y, c).float()
            p_else = (1.0 - p_true) / (c - 1)
            soft = onehot * p_true[..., None] + (1.0 - onehot) * p_else[..., None]
        soft_ce = -(soft * log_probs).sum(dim=-1)
        flattened = masked_mean((1.0 - correct) * soft_ce - per_sample, batch)
        return torch.where(mean > self.alpha, mean, flattened)

    def end_epoch(self, ctx: TrainContext, epoch: int) -> None:
        self._epoch = epoch + 1
        return None

    def finish(self, ctx: TrainContext) -> None:
        """Keep each model's lowest batch loss in its stats (``relaxloss_lowest_loss``),
        for `idle_reason`."""
        if self._lowest is None:
            return  # (no batch trained)
        for stats, lowest in zip(ctx.stats, self._lowest.double().cpu().tolist(), strict=True):
            if math.isfinite(lowest):  # (inf: no batch of that model's)
                stats[LOWEST_LOSS] = lowest

    def _idle_lowest(self, stats: Sequence[Mapping[str, float]]) -> list[float]:
        """The lowest batch loss of each model whose loss never fell to ``alpha``."""
        lowest = [s[LOWEST_LOSS] for s in stats if LOWEST_LOSS in s]
        return [value for value in lowest if value > self.alpha]

    def idle_models(self, stats: Sequence[Mapping[str, float]]) -> int | None:
        """How many models' batch loss never fell to ``alpha`` (`idle_reason`'s count);
        ``None`` where every one's did."""
        return len(self._idle_lowest(stats)) or None

    def idle_reason(self, stats: Sequence[Mapping[str, float]], *, epochs: int) -> str | None:
        """Why RelaxLoss did nothing, where some model's batch loss never fell to ``alpha``:
        above it, its gradient is plain cross-entropy's on every batch (``|CE - alpha|`` on
        even epochs, ``CE`` on odd ones), so that model trained as without the defense
        (digits, K=4, 10 epochs at alpha=1e-6: the undefended run's train loss, bit for
        bit). Models without the stat (trained before it was kept) are left out."""
        idle = self._idle_lowest(stats)
        if not idle:
            return None
        low, high = min(idle), max(idle)
        span = f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"{low:.3g} to {high:.3g}"
        return (
            f"defense.relaxloss.alpha={self.alpha:g}: the members' batch loss never fell to "
            f"alpha in the training of {len(idle)} of the {len(stats)} model(s) (their lowest "
            f"batch loss: {span}), and above alpha RelaxLoss's gradient is plain "
            "cross-entropy's, so they trained as without the defense; choose an alpha the "
            f"models reach (above {high:.3g}; Chen et al. use about 0.5-2, below ln C) or "
            "raise train.epochs"
        )
