"""Adversarial regularisation (Nasr et al. 2018): train against an inference model."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.errors import ConfigError

__all__ = ["AdversarialRegularization"]


def _features(logits: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Inference-model input: the prediction vector and the one-hot label."""
    return torch.cat([F.softmax(logits, dim=1), F.one_hot(y, num_classes).float()], dim=1)


class AdversarialRegularization(TrainingDefense):
    """Min-max training against a membership-inference model h.

    Each step first trains h for ``attack_steps`` steps to tell the batch's members from
    a batch of reference (non-member) samples, then trains the classifier on
    ``CE + strength * mean(h(member outputs))`` with h's membership probability, as the
    authors' code does: the attacker's confidence on the members becomes a penalty, bounded
    so the min-max game cannot run away. The reference split (``plan.reference_size``)
    plays the non-members, as Nasr et al.'s reference set does.

    Args:
        strength: λ, weight of the attacker's gain in the classifier's loss.
        attack_steps: h's updates per classifier step (k in the paper).
        attack_lr: h's Adam learning rate.
        hidden: width of h's hidden layer.
        warmup_epochs: epochs of plain training before the min-max game starts.
    """

    name = "advreg"
    needs_reference = True

    def __init__(
        self,
        *,
        strength: float = 3.0,
        attack_steps: int = 3,
        attack_lr: float = 1e-3,
        hidden: int = 64,
        warmup_epochs: int = 0,
    ) -> None:
        if not strength >= 0:
            raise ConfigError(f"defense.advreg.strength={strength}: must be >= 0")
        if attack_steps < 1:
            raise ConfigError(f"defense.advreg.attack_steps={attack_steps}: must be >= 1")
        if not attack_lr > 0:
            raise ConfigError(f"defense.advreg.attack_lr={attack_lr}: must be > 0")
        if hidden < 1:
            raise ConfigError(f"defense.advreg.hidden={hidden}: must be >= 1")
        if warmup_epochs < 0:
            raise ConfigError(f"defense.advreg.warmup_epochs={warmup_epochs}: must be >= 0")
        self.strength = float(strength)
        self.attack_steps = int(attack_steps)
        self.attack_lr = float(attack_lr)
        self.hidden = int(hidden)
        self.warmup_epochs = int(warmup_epochs)
        self._epoch = 0
        self._attacker: nn.Module | None = None
        self._attack_opt: torch.optim.Optimizer | None = None

    def hparams(self) -> dict[str, Any]:
        return {
            "strength": self.strength,
            "attack_steps": self.attack_steps,
            "attack_lr": self.attack_lr,
            "warmup_epochs": self.warmup_epochs,
        }

    def setup(self, ctx: TrainContext) -> None:
        if ctx.x_reference is None or ctx.y_reference is None or len(ctx.y_reference) == 0:
            raise ConfigError(
                "defense.advreg needs reference (non-member) data outside the membership "
                "population: set plan.reference_size (e.g. plan.reference_size=300)"
            )
        c = ctx.num_classes
        self._attacker = nn.Sequential(
            nn.Linear(2 * c, self.hidden), nn.ReLU(), nn.Linear(self.hidden, 1)
        ).to(ctx.x.device)
        self._attack_opt = torch.optim.Adam(self._attacker.parameters(), lr=self.attack_lr)

    def loss(self, logits: torch.Tensor, y: torch.Tensor, ctx: TrainContext) -> torch.Tensor:
        ce = F.cross_entropy(logits, y)
        if self._epoch < self.warmup_epochs or self.strength == 0:
            return ce
        assert self._attacker is not None and self._attack_opt is not None
        assert ctx.x_reference is not None and ctx.y_reference is not None
        device = ctx.generator.device
        idx = torch.randint(0, len(ctx.y_reference), (len(y),), generator=ctx.generator,
                            device=device).to(ctx.y_reference.device)
        with torch.no_grad():
            ref_logits = ctx.model(ctx.x_reference[idx])
        c = ctx.num_classes
        member_in = _features(logits.detach(), y, c)
        ref_in = _features(ref_logits, ctx.y_reference[idx], c)
        for _ in range(self.attack_steps):
            self._attack_opt.zero_grad(set_to_none=True)
            scores = self._attacker(torch.cat([member_in, ref_in]))[:, 0]
            truth = torch.cat([torch.ones(len(y)), torch.zeros(len(idx))]).to(scores.device)
            F.binary_cross_entropy_with_logits(scores, truth).backward()
            self._attack_opt.step()
        self._attacker.requires_grad_(False)
        gain = torch.sigmoid(self._attacker(_features(logits, y, c))[:, 0]).mean()
        self._attacker.requires_grad_(True)
        return ce + self.strength * gain

    def end_epoch(self, ctx: TrainContext, epoch: int) -> bool:
        self._epoch = epoch + 1
        return False
