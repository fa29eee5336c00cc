"""Knowledge distillation on a disjoint reference split (the idea behind DMP and SELENA)."""

from __future__ import annotations

import copy
import logging
from typing import Any

import torch
import torch.nn.functional as F

from mia_defense.defenses.base import TrainContext, TrainingDefense, unwrap_model
from mia_defense.errors import ConfigError

__all__ = ["Distillation"]

log = logging.getLogger(__name__)


class Distillation(TrainingDefense):
    """Release a student that never saw the members (Shejwalkar & Houmansadr's DMP).

    The model is trained on its members as usual (the teacher); at the end a fresh copy
    of the architecture (the student) is trained only on the reference split
    (``plan.reference_size``), on the teacher's soft labels at ``temperature``, and its
    weights replace the teacher's. Members influence the released model only through
    the teacher's predictions on other data.

    Args:
        temperature: softening of the teacher's probabilities (DMP uses high values).
        epochs: student epochs (``None``: the recipe's ``train.epochs``).
        lr: student Adam learning rate (``None``: the recipe's learning rate).
        batch_size: student batch size (``None``: the recipe's).
    """

    name = "distillation"
    needs_reference = True
    order = 90  # finishes last: distils the final (e.g. early-stopped) teacher

    def __init__(
        self,
        *,
        temperature: float = 4.0,
        epochs: int | None = None,
        lr: float | None = None,
        batch_size: int | None = None,
    ) -> None:
        if not temperature > 0:
            raise ConfigError(f"defense.distillation.temperature={temperature}: must be > 0")
        if epochs is not None and epochs < 1:
            raise ConfigError(f"defense.distillation.epochs={epochs}: must be >= 1 or null")
        if lr is not None and not lr > 0:
            raise ConfigError(f"defense.distillation.lr={lr}: must be > 0 or null")
        if batch_size is not None and batch_size < 1:
            raise ConfigError(f"defense.distillation.batch_size={batch_size}: must be >= 1 or null")
        self.temperature = float(temperature)
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size

    def hparams(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "epochs": self.epochs if self.epochs is not None else "recipe",
            "lr": self.lr if self.lr is not None else "recipe",
        }

    def setup(self, ctx: TrainContext) -> None:
        if ctx.x_reference is None or ctx.y_reference is None or len(ctx.y_reference) == 0:
            raise ConfigError(
                "defense.distillation needs a transfer split outside the membership "
                "population: set plan.reference_size (e.g. plan.reference_size=300)"
            )

    def finish(self, ctx: TrainContext) -> None:
        assert ctx.x_reference is not None
        teacher = unwrap_model(ctx.model)
        x_ref = ctx.x_reference
        t = self.temperature
        with torch.no_grad():
            teacher.eval()
            soft = F.softmax(teacher(x_ref) / t, dim=1)
        student = copy.deepcopy(teacher)
        for module in student.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
        lr = self.lr if self.lr is not None else float(ctx.optimizer.param_groups[0]["lr"])
        optimizer = torch.optim.Adam(student.parameters(), lr=lr)
        batch = self.batch_size or ctx.batch_size or 64
        device = ctx.generator.device
        student.train()
        for _ in range(self.epochs or ctx.epochs):
            order = torch.randperm(len(x_ref), generator=ctx.generator, device=device)
            for start in range(0, len(order), batch):
                idx = order[start : start + batch].to(x_ref.device)
                optimizer.zero_grad(set_to_none=True)
                log_q = F.log_softmax(student(x_ref[idx]) / t, dim=1)
                loss = F.kl_div(log_q, soft[idx], reduction="batchmean") * t * t
                loss.backward()
                optimizer.step()
        teacher.load_state_dict(student.state_dict())
        log.debug("distillation: student trained on %d reference samples", len(x_ref))
