"""Train the K models of a membership plan, each on its own members, with checkpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from mia_defense.defenses.base import TrainingDefense
from mia_defense.seeding import derive_seed
from mia_defense.training.batched import (
    batched_recipe,
    stacking_blocker,
    train_ensemble_batched,
)
from mia_defense.training.checkpoints import (
    check_checkpoint_dir,
    checkpoint_path,
    load_model,
    save_model,
)
from mia_defense.training.config import TrainConfig, resolve_device
from mia_defense.training.divergence import check_trained
from mia_defense.training.loop import Ensemble, ModelHistory, stage_models, train_model

__all__ = ["train_ensemble"]

log = logging.getLogger(__name__)


def train_ensemble(
    *,
    build_model: Callable[[], nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    masks: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    num_classes: int,
    config: TrainConfig,
    seed: int,
    build_defenses: Callable[[], Sequence[TrainingDefense]] = tuple,
    checkpoint_dir: Path | None = None,
    stage: str = "model",
    progress: bool = True,
    x_reference: np.ndarray | None = None,
    y_reference: np.ndarray | None = None,
    batched: bool = True,
    fingerprint: str | None = None,
) -> Ensemble:
    """Train model k on ``x[masks[k]]`` for every k; reuse checkpoints already saved.

    Model k's initialisation, batch order and noise come from ``derive_seed(seed, stage, k)``
    only, so a resumed run gives the same models as an uninterrupted one.

    Args:
        build_model: returns a fresh, untrained module.
        x, y: the population's features [N, ...] and labels [N].
        masks: [K, N] bool membership.
        x_test, y_test: held-out data for the test curves.
        num_classes: C.
        config: the training settings.
        seed: the run's seed.
        build_defenses: returns fresh training-time defenses for one model.
        checkpoint_dir: where each model is saved as soon as it is trained; ``None`` skips it.
        stage: the seed stream's name (distinct ensembles need distinct streams).
        progress: show a progress bar.
        x_reference, y_reference: the plan's reference split (outside the population),
            handed to the defenses that need it; ``None`` when there is none.
        batched: train the K models as one stacked computation when the model and the
            defenses allow it (``training.batched``); ``False`` forces the per-model loop.
        fingerprint: `config_fingerprint` of the run, stored in every checkpoint; saved
            checkpoints with another one are refused (``None``: no check).
    """
    check_checkpoint_dir(checkpoint_dir, fingerprint=fingerprint)
    if batched and config.batched:
        stacked = _train_stacked_if_possible(
            build_model=build_model, x=x, y=y, masks=masks, x_test=x_test, y_test=y_test,
            config=config, seed=seed, build_defenses=build_defenses,
            checkpoint_dir=checkpoint_dir, stage=stage, progress=progress,
            fingerprint=fingerprint,
        )
        if stacked is not None:
            return stacked
    device = resolve_device(config.device)
    x_all = torch.as_tensor(x, dtype=torch.float32, device=device)
    y_all = torch.as_tensor(y, dtype=torch.long, device=device)
    x_te = torch.as_tensor(x_test, dtype=torch.float32, device=device)
    y_te = torch.as_tensor(y_test, dtype=torch.long, device=device)
    x_ref = y_ref = None
    if x_reference is not None and y_reference is not None and len(y_reference):
        x_ref = torch.as_tensor(x_reference, dtype=torch.float32, device=device)
        y_ref = torch.as_tensor(y_reference, dtype=torch.long, device=device)
    models: list[nn.Module] = []
    histories: list[ModelHistory] = []
    if checkpoint_dir is not None:
        done = sum(checkpoint_path(checkpoint_dir, k).exists() for k in range(len(masks)))
        if done:
            log.info(
                "resuming: %d of %d %s already trained in %s",
                done, len(masks), stage_models(stage), checkpoint_dir,
            )
    bar = tqdm(
        range(len(masks)), desc=f"training {stage_models(stage)}", unit="model",
        disable=not progress,
    )
    for k in bar:
        path = checkpoint_path(checkpoint_dir, k) if checkpoint_dir is not None else None
        model_seed = derive_seed(seed, stage, k)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(model_seed)
            model = build_model().to(device)
            if path is not None and path.exists():
                history = load_model(path, model, fingerprint=fingerprint)
                log.debug("model %d: loaded from %s", k, path)
            else:
                member = torch.as_tensor(masks[k], device=device)
                generator = torch.Generator(device=device).manual_seed(model_seed)
                model, history = train_model(
                    model,
                    x_all[member],
                    y_all[member],
                    x_test=x_te,
                    y_test=y_te,
                    num_classes=num_classes,
                    config=config,
                    generator=generator,
                    defenses=build_defenses(),
                    x_reference=x_ref,
                    y_reference=y_ref,
                )
                check_trained(model, history, index=k, stage=stage)
                if path is not None:
                    save_model(path, model, history, fingerprint=fingerprint)
        model.eval()
        models.append(model.cpu())
        histories.append(history)
        bar.set_postfix(test_acc=f"{history.final.test_acc:.3f}")
    return Ensemble(models=models, histories=histories)


def _train_stacked_if_possible(
    *,
    build_model: Callable[[], nn.Module],
    x: np.ndarray,
    build_defenses: Callable[[], Sequence[TrainingDefense]],
    stage: str,
    **kwargs: Any,
) -> Ensemble | None:
    """The stacked ensemble (``training.batched``), or ``None`` with a log line saying why not."""
    with torch.random.fork_rng(devices=[]):
        probe = build_model()
    recipe, blocker = batched_recipe(build_defenses())
    blocker = stacking_blocker(probe, x.shape[1:]) or blocker
    if blocker is not None:
        log.info(
            "training %s one at a time (no stacked ensemble): %s", stage_models(stage), blocker
        )
        return None
    log.info(
        "training %s as one stacked ensemble%s", stage_models(stage),
        " with DP-SGD" if recipe.dp else "",
    )
    return train_ensemble_batched(
        build_model=build_model, x=x, recipe=recipe, stage=stage,
        chunk_size=kwargs["config"].chunk_size, **kwargs
    )
