"""What training produces: per-epoch records, model histories, the trained ensemble."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

__all__ = [
    "Ensemble",
    "EpochRecord",
    "ModelHistory",
    "stage_models",
]


@dataclass(frozen=True)
class EpochRecord:
    """Loss and accuracy of one model after one epoch."""

    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float


@dataclass
class ModelHistory:
    """Per-epoch records of one model plus what its defenses report (e.g. ``epsilon``).

    ``epochs`` holds a record every ``train.eval_every`` epochs and at the last epoch
    trained (each record names its epoch).
    ``epoch_stats[e]`` holds what the defenses reported after epoch e (e.g. the ε spent
    so far under DP-SGD); empty dicts when no defense reports anything.
    ``released``: the released weights' record when a defense changed them after the last
    epoch (distillation's student, early stopping's best epoch restored), else ``None``.
    ``weights_unchanged``: training changed none of its parameters (every step zero, or
    below their float rounding): an untrained model, which `check_trained` refuses.
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    epoch_stats: list[dict[str, float]] = field(default_factory=list)
    released: EpochRecord | None = None
    weights_unchanged: bool = False

    @property
    def final(self) -> EpochRecord:
        """The last record of the training curves."""
        return self.epochs[-1]

    @property
    def of_released(self) -> EpochRecord:
        """Loss and accuracy of the weights the model releases: ``released``, else `final`."""
        return self.released or self.final


@dataclass
class Ensemble:
    """K trained models (in eval mode, on CPU), their training histories, the engine that
    trained them and, when they could not train stacked, why; stacked, what it says of their
    forward's random draws (`mia_defense.models.probes.stacked_draws`)."""

    models: list[nn.Module]
    histories: list[ModelHistory]
    engine: str = "stacked"
    fallback_reason: str | None = None
    stacked_draws: str | None = None


def stage_models(stage: str) -> str:
    """The models of a training stage (``model``: the targets), as log lines name them."""
    return "models" if stage == "model" else f"{stage} models"
