"""What one run needs, already built from the config: `Experiment` (no DictConfig below
here) and its `PlanConfig`; every stage of `mia_defense.pipeline` reads it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mia_defense.audit import AuditConfig
from mia_defense.defenses.release import FullRelease, Release
from mia_defense.metrics.roc import DEFAULT_FPRS
from mia_defense.queries import QueryConfig

if TYPE_CHECKING:
    from torch import nn

    from mia_defense.attacks.runner import Attack
    from mia_defense.data.dataset import Dataset
    from mia_defense.defenses.base import TrainingDefense
    from mia_defense.training.config import TrainConfig

__all__ = ["Experiment", "PlanConfig"]


@dataclass
class PlanConfig:
    """Sizes of the splits and the number of models K."""

    num_models: int = 16
    population_size: int | None = 1000
    test_size: int | None = None
    reference_size: int = 0


@dataclass
class Experiment:
    """Everything one run needs, already built from the config (no DictConfig below here).

    Attributes:
        dataset: the data.
        build_model: ``build_model(input_shape=..., num_classes=...)`` returns a fresh module.
        train: training settings.
        plan: split sizes and K.
        attacks: name -> attack function ``(observations, targets) -> scores [T, N]``.
        seed: the one seed of the run.
        build_defenses: returns fresh training-time defenses for one model.
        release: the output mechanism the attacks and the utility metrics see.
        num_targets: how many models to attack (``None``: all K, at most 16).
        fprs: FPRs at which TPR is reported.
        hparams: flat hyperparameters for TensorBoard's HParams tab.
        config: the resolved config, stored in results.json.
        shadow_recipe: ``same`` (shadow/reference models carry the target's training-time
            defenses: an adaptive attacker) or ``undefended`` (K more models are trained on
            the same masks without them and serve as every target's shadows).
        bootstrap: resamples for the confidence intervals (0 = none).
        confidence: level of the intervals and of the empirical ε lower bound.
        queries: queries on perturbed copies (label-only attack, LiRA augmented).
        white_box: compute per-sample gradient norms (the gradient_norm attack).
        num_canaries: canaries appended to the population (0 = none).
        canary_kind: ``mislabeled`` or ``outlier``.
        cache_dir: the model store shared by runs (`mia_defense.store`): trained
            ensembles are taken from it instead of trained again; ``None``: off.
        audit: the one-run audit (``attack.audit``, `mia_defense.audit`).
    """

    dataset: Dataset
    build_model: Callable[..., nn.Module]
    train: TrainConfig
    plan: PlanConfig
    attacks: Mapping[str, Attack]
    seed: int = 0
    build_defenses: Callable[[], Sequence[TrainingDefense]] = tuple
    release: Release = field(default_factory=FullRelease)
    num_targets: int | None = None
    fprs: Sequence[float] = DEFAULT_FPRS
    hparams: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    shadow_recipe: str = "same"
    bootstrap: int = 200
    confidence: float = 0.95
    queries: QueryConfig = field(default_factory=QueryConfig)
    white_box: bool = False
    num_canaries: int = 0
    canary_kind: str = "mislabeled"
    cache_dir: Path | None = None
    audit: AuditConfig = field(default_factory=AuditConfig)
