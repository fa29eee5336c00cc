"""The protocol every training-time defense implements: a few optional hooks.

The engine (`mia_defense.training.engine`) trains K models at once, so every hook sees
the K models of one chunk: tensors carry a leading model axis, and a defense keeps its
per-model state stacked. K=1 is the same code (a model trained on its own).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.errors import ConfigError

if TYPE_CHECKING:
    from mia_defense.budget import Work, WorkShape

__all__ = [
    "Batch",
    "TrainContext",
    "TrainingDefense",
    "cross_entropy",
    "masked_mean",
    "require_reference",
    "unwrap_model",
]


@dataclass
class Batch:
    """One step's batch of every model of the chunk.

    Attributes:
        x: inputs [K, B, ...] (model k's own samples; padding where ``valid`` is false).
        y: hard labels [K, B].
        target: what the loss fits: ``y``, or soft labels [K, B, C] (mixup).
        valid: [K, B] bool, the real samples.
        stepping: [K] bool, the models that take this step (a model whose epoch has
            fewer steps sits the last ones out).
    """

    x: torch.Tensor
    y: torch.Tensor
    target: torch.Tensor
    valid: torch.Tensor
    stepping: torch.Tensor

    def counts(self) -> torch.Tensor:
        """Real samples per model [K] (at least 1, to divide by)."""
        return self.valid.sum(1).clamp(min=1)


@dataclass
class TrainContext:
    """What the engine holds for the K models of one chunk; defenses read and extend it.

    Attributes:
        stack: the models (`mia_defense.training.stack.ModelStack`); its ``forward`` gives
            logits [K, B, C]; in module mode (K=1) DP-SGD may wrap ``stack.module``.
        optimizer: the ``torch.optim`` optimiser over ``stack.parameters`` (DP-SGD through
            Opacus may wrap it).
        x, y: the population, on the training device.
        members: [K, M] indices into ``x`` of each model's members, padded.
        member_valid: [K, M] bool, the real entries of ``members``.
        num_classes: C.
        epochs: epochs planned.
        batch_size: the recipe's batch size.
        generators: each model's own torch generator (batch order, noise, draws).
        engine: ``stacked`` or ``opacus`` (``train.engine``).
        x_reference, y_reference: the reference split (public data outside the membership
            population), or ``None``.
        active: [K] bool, the models still training (early stopping clears entries).
        stats: per model, numbers a defense reports at the end (e.g. ``epsilon``).
        epoch_stats: per model, numbers a defense reports for the epoch just finished.
    """

    stack: Any
    optimizer: torch.optim.Optimizer
    x: torch.Tensor
    y: torch.Tensor
    members: torch.Tensor
    member_valid: torch.Tensor
    num_classes: int
    epochs: int
    batch_size: int
    generators: list[torch.Generator]
    engine: str = "stacked"
    x_reference: torch.Tensor | None = None
    y_reference: torch.Tensor | None = None
    active: torch.Tensor = field(default_factory=lambda: torch.ones(0, dtype=torch.bool))
    stats: list[dict[str, float]] = field(default_factory=list)
    epoch_stats: list[dict[str, float]] = field(default_factory=list)

    @property
    def num_models(self) -> int:
        return len(self.generators)

    @property
    def sizes(self) -> list[int]:
        """Members per model."""
        return self.member_valid.sum(1).tolist()

    @property
    def device(self) -> torch.device:
        return self.x.device


class TrainingDefense:
    """A defense acting during training. Override only the hooks you need.

    One instance serves the K models of a chunk. ``name`` identifies the defense family in
    results and reports; ``hparams`` returns the settings that distinguish runs in a
    sweep. ``order`` sorts stacked defenses (lower first: DP-SGD sets up before anything
    else); ``needs_reference`` asks for the reference split.
    """

    name: str = "none"
    order: int = 50
    needs_reference: bool = False

    def hparams(self) -> dict[str, Any]:
        """The defense's settings, flat, for results.json and TensorBoard hparams."""
        return {}

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Check or change a freshly built model (before training and before loading a
        checkpoint, so resumed runs rebuild the same architecture)."""
        return model

    def optimizer_options(self) -> dict[str, Any]:
        """Settings that replace the recipe's optimiser settings (e.g. ``weight_decay``)."""
        return {}

    def plan(self, *, sizes: Sequence[int], batch_size: int, epochs: int) -> None:
        """Called before training with the member counts of every model of the ensemble
        (not only this chunk's), e.g. to fix one DP noise multiplier for all of them."""

    def extra_work(self, shape: WorkShape) -> Work | None:
        """The training this defense adds to the models' own (inference models, students),
        counted optimistically for the up-front budget check (`mia_defense.budget`), which
        names its key when it alone could never finish; ``None``: nothing to count."""
        return None

    def earliest_stop(self, epochs: int) -> int:
        """The fewest of ``epochs`` this defense may let a model train (the budget check
        counts those): ``epochs`` unless it stops models early."""
        return epochs

    def steps_per_epoch(self, size: int, batch_size: int) -> int | None:
        """Steps a model with ``size`` members takes per epoch, when this defense draws
        the batches (`batches`); ``None``: the recipe's ``ceil(size / batch_size)``."""
        return None

    def setup(self, ctx: TrainContext) -> None:
        """Called once before training; may replace ``ctx.stack.module``/``optimizer``."""

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch] | None:
        """This epoch's batches, when the defense draws them (DP-SGD's Poisson sampling);
        ``None`` keeps the shuffled batches."""
        return None

    def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
        """Change a batch before the forward pass (mixup). The fields change together
        (``dataclasses.replace``): ``y``, ``valid`` [K, B] and ``stepping`` [K] as ``x``'s
        [K, B, ...], for the chunk's K models (``ctx.num_models``), and new hard labels, of
        0 to C - 1 (``ctx.num_classes``), in both ``y`` and ``target`` (soft ones: [K, B, C]);
        the engine refuses another Batch (`mia_defense.defenses.contract.batch_problem`,
        `mia_defense.defenses.contract.check_labels`)."""
        return batch

    def forward(self, batch: Batch, ctx: TrainContext) -> torch.Tensor | None:
        """The step's logits [K, B, C] on ``batch.x`` (B: its samples, C:
        ``ctx.num_classes``; the engine refuses another shape) when the defense runs the
        training forward pass itself (DP-SGD records each layer's input on the way for its
        per-sample norms); ``None``: the engine's ``ctx.stack.forward(batch.x)``. At most
        one defense of a stack may run it."""
        return None

    def loss(
        self, logits: torch.Tensor, batch: Batch, ctx: TrainContext
    ) -> torch.Tensor | None:
        """Each model's training loss [K] on its batch (logits [K, B, C]; average over the
        valid samples), or ``None`` to keep cross-entropy."""
        return None

    def backward(self, logits: torch.Tensor, loss: torch.Tensor, batch: Batch,
                 ctx: TrainContext) -> bool:
        """Set the parameters' gradients from ``loss`` [K] (DP-SGD: clipped, noisy) and
        return ``True``; ``False`` leaves it to plain autograd, which then runs its own
        backward pass: the engine refuses a ``False`` after gradients were set (checked on
        the run's first step)."""
        return False

    def end_epoch(self, ctx: TrainContext, epoch: int) -> torch.Tensor | None:
        """Called after each epoch; return [K] bool, the models to stop now (or ``None``)."""
        return None

    def finish(self, ctx: TrainContext) -> None:
        """Called once after training (e.g. to restore the best weights)."""

    def idle_reason(self, stats: Sequence[Mapping[str, float]], *, epochs: int) -> str | None:
        """Why this defense did not act on the run's models, so that they trained as without
        it, from each model's end-of-training ``stats`` (`TrainContext.stats`, which its
        checkpoint keeps; every chunk's models); ``None``: it acted, or cannot tell. Asked
        once a run by the pipeline, which warns and records the reason in results.json's
        ``training.defenses_idle`` (mia-report lists it under its figures to read with care)."""
        return None

    def idle_models(self, stats: Sequence[Mapping[str, float]]) -> int | None:
        """How many of the models of ``stats`` this defense did not act in, where
        `idle_reason` gives a reason: results.json's ``training.defenses_idle`` records it as
        the entry's ``idle_models`` of ``models`` (``len(stats)``), which mia-report shows as
        'did not act in 2 of 4 models' (it read the count off the reason's words). ``None``
        (the default): not counted, and no count is recorded (mia-report reads every model)."""
        return None


def require_reference(ctx: TrainContext, needs: str, *, example: int = 300) -> None:
    """A `ConfigError` at a defense's setup when ``ctx`` holds no reference split, which the
    defense ``needs`` (its words: "defense.advreg needs reference (non-member) data")."""
    if ctx.x_reference is None or ctx.y_reference is None or len(ctx.y_reference) == 0:
        raise ConfigError(f"{needs} outside the membership population: set "
                          f"plan.reference_size (e.g. plan.reference_size={example})")


def unwrap_model(model: nn.Module) -> nn.Module:
    """The user's module inside wrappers such as Opacus' ``GradSampleModule``."""
    inner = getattr(model, "_module", None)
    return inner if isinstance(inner, nn.Module) else model


def cross_entropy(logits: torch.Tensor, batch: Batch, **kwargs: Any) -> torch.Tensor:
    """Each model's mean cross-entropy [K] on its valid samples (hard or soft targets).

    The class axis goes second ([K, C, B]): torch's CPU log-softmax over a short last axis
    (C=10) is about 8x slower than over the middle axis of the same tensor (measured on
    [16, 520, 10], forward and backward), and the loss is the same.
    """
    target = batch.target.transpose(1, 2) if batch.target.is_floating_point() else batch.target
    per_sample = F.cross_entropy(logits.transpose(1, 2), target, reduction="none", **kwargs)
    return masked_mean(per_sample, batch)


def masked_mean(per_sample: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Each model's mean [K] of ``per_sample`` [K, B] over its valid samples."""
    return (per_sample * batch.valid).sum(1) / batch.counts()
