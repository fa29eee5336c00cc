"""Knowledge distillation on a disjoint reference split (the idea behind DMP and SELENA)."""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.budget import Work, WorkShape
from mia_defense.defenses.base import (
    Batch,
    TrainContext,
    TrainingDefense,
    masked_mean,
    require_reference,
)
from mia_defense.defenses.values import check_finite, check_integer, check_number
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.seeding import derive_seed, seed_global_torch
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import batch_bounds, gather_batch, train_chunk

__all__ = ["Distillation"]

log = logging.getLogger(__name__)

# Temperatures the students' float32 loss (KL at temperature T, times T^2) resolves.
MIN_TEMPERATURE = 1e-4
MAX_TEMPERATURE = 1e6


class Distillation(TrainingDefense):
    """Release a student that never saw the members (Shejwalkar & Houmansadr's DMP).

    The model is trained on its members as usual (the teacher); at the end a fresh copy
    of the architecture (the student) is trained only on the reference split
    (``plan.reference_size``), on the teacher's soft labels at ``temperature``, and its
    weights replace the teacher's. Members influence the released model only through
    the teacher's predictions on other data.

    The K students of a chunk train together in the same engine as their teachers
    (stacked, or one module at a time), with Adam, each initialised and shuffled from a
    seed derived from its teacher's generator's seed.

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
        check_number("defense.distillation.temperature", temperature)
        check_integer("defense.distillation.epochs", epochs, nullable=True)
        check_number("defense.distillation.lr", lr, nullable=True)
        check_integer("defense.distillation.batch_size", batch_size, nullable=True)
        if not temperature > 0:
            raise ConfigError(f"defense.distillation.temperature={temperature}: must be > 0")
        if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
            try:
                shown = f"{temperature:g}"
            except OverflowError:  # an int beyond a float (10**400): its digits
                shown = str(temperature)
            raise ConfigError(
                f"defense.distillation.temperature={shown}: must lie in "
                f"[{MIN_TEMPERATURE:g}, {MAX_TEMPERATURE:g}]: the students' loss is scaled by "
                "temperature^2, which float32 rounds to garbage beyond (1e8 lost a quarter of "
                "the accuracy, 1e20 diverged, 1e-30 left the students untrained at chance)"
            )
        if epochs is not None and epochs < 1:
            raise ConfigError(f"defense.distillation.epochs={epochs}: must be >= 1 or null")
        if lr is not None and not lr > 0:
            raise ConfigError(f"defense.distillation.lr={lr}: must be > 0 or null")
        check_finite("defense.distillation.lr", lr)
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
            "batch_size": self.batch_size if self.batch_size is not None else "recipe",
        }

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Refuse a model whose student could not start afresh (`unreset_parameters`)."""
        kept = unreset_parameters(model)
        if kept:
            raise UnsupportedModelError(
                f"defense.distillation: {type(model).__name__}'s parameters {kept[:3]} belong "
                "to no layer with a reset_parameters() method, so the student would start from "
                "the teacher's trained values (the members' information in the released model); "
                f"give the module holding them a reset_parameters() that re-initialises them, "
                "or drop the distillation defense"
            )
        return model

    def extra_work(self, shape: WorkShape) -> Work | None:
        """The teachers' soft labels on the reference split, then K students trained on it
        for ``epochs`` (``train.epochs`` when null) at their batch size: a chunk's students
        train while its teachers' state is held (their weights, gradients and Adam's two
        moments, a copy of them stacked back, and the soft labels [chunk, R, C])."""
        if shape.reference_size <= 0:
            return None
        epochs = self.epochs or shape.epochs
        key = "defense.distillation.epochs"
        hint = "" if self.epochs else (
            f"set {key} (null: train.epochs={shape.epochs}, the students train as long as "
            "the models) or lower train.epochs"
        )
        k, p, r = shape.num_models, shape.num_params, shape.reference_size
        return Work(
            key=key, value=self.epochs, hint=hint,
            what="the students' training on the reference split",
            flops=6 * p * k * epochs * r + 2 * p * k * 2 * r,
            steps=k * epochs * shape.batches(r, self.batch_size or shape.batch_size),
            memory=4 * shape.width * (6 * p + r * shape.num_classes),
        )  # fmt: skip

    def setup(self, ctx: TrainContext) -> None:
        require_reference(ctx, "defense.distillation needs a transfer split")

    def student_config(self, ctx: TrainContext) -> TrainConfig:
        """The students' settings: this defense's, else the recipe's; Adam, no decay."""
        epochs = self.epochs or ctx.epochs
        return TrainConfig(
            epochs=epochs,
            batch_size=self.batch_size or ctx.batch_size,
            lr=self.lr if self.lr is not None else float(ctx.optimizer.param_groups[0]["lr"]),
            optimizer="adam",
            eval_every=epochs,  # only the last epoch's curves: nobody reads the students'
        )

    def finish(self, ctx: TrainContext) -> None:
        assert ctx.x_reference is not None and ctx.y_reference is not None
        soft = _soft_labels(ctx, self.temperature)
        # From the generators' seeds, not their state: a model stopped early, trained in a
        # chunk whose generators ran on, gets the student it gets when trained alone. Each
        # from its own teacher: what no reset_parameters() draws again (a buffer, such as a
        # fixed random projection of each model's own) was model 0's in every student.
        students = [
            _fresh_copy(teacher, derive_seed(gen.initial_seed(), "distillation/init"))
            for teacher, gen in zip(ctx.stack.models, ctx.generators, strict=True)
        ]
        reference = len(ctx.y_reference)
        config = self.student_config(ctx)
        # (the teachers' progress bar ends before this phase: say it, as it can be long)
        log.info("distillation: training %d student(s) on the %d reference samples for %d "
                 "epoch(s) (defense.distillation.epochs)", len(students), reference,
                 config.epochs)  # fmt: skip
        histories = train_chunk(
            students,
            x=ctx.x_reference,
            y=ctx.y_reference,
            masks=torch.ones((len(students), reference), dtype=torch.bool, device=ctx.device),
            x_test=ctx.x_reference,
            y_test=ctx.y_reference,
            num_classes=ctx.num_classes,
            config=config,
            generators=[
                torch.Generator(device=gen.device).manual_seed(
                    derive_seed(gen.initial_seed(), "distillation/batches")
                )
                for gen in ctx.generators
            ],
            defenses=[_SoftTargets(soft, temperature=self.temperature)],
            vectorised=ctx.stack.vectorised,
            engine=ctx.engine,
        )
        untrained = sum(history.weights_unchanged for history in histories)
        if untrained:  # (their teachers were checked before this: the engine's stage)
            lr = "defense.distillation.lr" if self.lr is not None else "train.lr"
            raise ConfigError(
                f"defense.distillation: training changed none of the weights of {untrained} "
                f"of the {len(students)} student(s) in their {config.epochs} epoch(s) (every "
                "step was zero, or below the float rounding of the weights), so the released "
                "models are untrained and no attack on them says anything about privacy; "
                f"raise the students' learning rate ({lr}={config.lr:g})"
            )
        with torch.no_grad():
            states = [dict(s.named_parameters()) | dict(s.named_buffers()) for s in students]
            weights = {
                name: torch.stack([state[name] for state in states])
                for name in ctx.stack.state()
            }
        ctx.stack.restore(weights, torch.ones(len(students), dtype=torch.bool, device=ctx.device))
        log.debug("distillation: %d students trained on %d reference samples",
                  len(students), reference)


@torch.no_grad()
def _soft_labels(ctx: TrainContext, temperature: float, *, chunk: int = 256) -> torch.Tensor:
    """The teachers' probabilities [K, R, C] on the reference split at ``temperature``,
    in eval mode, ``chunk`` samples at a time (as the engine evaluates: 32 CNNs on 2048
    CIFAR images at once want about 9 GB)."""
    assert ctx.x_reference is not None
    ctx.stack.train(False)
    logits = torch.cat(
        [ctx.stack.forward(xb, shared=True) for xb in ctx.x_reference.split(chunk)], dim=1
    )
    ctx.stack.train(True)
    return F.softmax(logits / temperature, dim=-1)


def _reset(module: nn.Module) -> Any:
    """The module's own re-initialiser: ``reset_parameters`` (``_reset_parameters`` for
    torch's MultiheadAttention), or ``None``."""
    for name in ("reset_parameters", "_reset_parameters"):
        reset = getattr(module, name, None)
        if callable(reset):
            return reset
    return None


def unreset_parameters(model: nn.Module) -> list[str]:
    """The trainable parameters of ``model`` that `_fresh_copy` cannot re-initialise: held
    directly by a module without a re-initialiser (a user's raw ``nn.Parameter``). Trained
    one model at a time, the student's copy would keep the teacher's trained values."""
    return [
        f"{prefix}.{name}" if prefix else name
        for prefix, module in model.named_modules()
        if _reset(module) is None
        for name, param in module.named_parameters(recurse=False)
        if param.requires_grad
    ]


def _fresh_copy(model: nn.Module, seed: int) -> nn.Module:
    """A copy of ``model``'s architecture with every trainable parameter re-initialised from
    ``seed``. A frozen one (requires_grad=False: a pretrained backbone) keeps ``model``'s
    value: the user's, learnt from no member; drawn again it stayed random in the student."""
    student = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        seed_global_torch(seed, [p.device for p in student.parameters()][:1])
        for module in student.modules():
            reset = _reset(module)
            if reset is not None:
                reset()
    frozen = {name: p for name, p in model.named_parameters() if not p.requires_grad}
    with torch.no_grad():
        for name, param in student.named_parameters():
            if name in frozen:
                param.copy_(frozen[name])
    return student.train()


class _SoftTargets(TrainingDefense):
    """The students' loss: temperature-scaled KL divergence to the teachers' soft labels.

    Draws the students' batches itself (shuffled from each student's generator, as the
    engine does) so each batch carries the soft labels [K, B, C] of its reference samples.
    """

    name = "distillation_student"

    def __init__(self, soft: torch.Tensor, *, temperature: float) -> None:
        self.soft = soft
        self.temperature = temperature

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch]:
        size = ctx.members.shape[1]
        perms = torch.stack(
            [torch.randperm(size, generator=g, device=g.device) for g in ctx.generators]
        ).to(ctx.device)
        for start, stop in batch_bounds(size, ctx.batch_size):
            pos = perms[:, start:stop]
            valid = torch.ones_like(pos, dtype=torch.bool)
            batch = gather_batch(ctx, pos, valid, valid.any(1))
            idx = ctx.members.gather(1, pos)
            target = self.soft.gather(1, idx[..., None].expand(-1, -1, self.soft.shape[-1]))
            yield dataclasses.replace(batch, target=target)

    def loss(self, logits: torch.Tensor, batch: Batch, ctx: TrainContext) -> torch.Tensor:
        t = self.temperature
        log_q = F.log_softmax(logits / t, dim=-1)
        per_sample = F.kl_div(log_q, batch.target, reduction="none").sum(-1)
        return masked_mean(per_sample, batch) * t * t
