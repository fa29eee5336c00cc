"""Train the K models of a membership plan, each on its own members, with checkpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from mia_defense.defenses.base import TrainingDefense
from mia_defense.errors import DivergedError, UnsupportedModelError
from mia_defense.models.alike import unlike
from mia_defense.models.probes import stacked_draws
from mia_defense.seeding import global_torch_seeded, torch_generator
from mia_defense.threads import intra_op_threads
from mia_defense.training.checkpoints import (
    check_checkpoint_dir,
    checkpoint_path,
    load_model,
    resume_settings,
    save_model,
)
from mia_defense.training.config import (
    CHUNK_SIZE,
    ELEMENTWISE_OPTIMIZERS,
    TrainConfig,
    optimizer_class,
    resolve_device,
)
from mia_defense.training.divergence import check_trained
from mia_defense.training.engine import train_chunk
from mia_defense.training.loop import Ensemble, stage_models
from mia_defense.training.stack import batch_flops, vmap_blocker

__all__ = ["check_data_unchanged", "choose_engine", "stack_width", "start_models", "train_ensemble"]

log = logging.getLogger(__name__)

# With train.chunk_size null, on a CPU a model above this many FLOP per batch trains faster
# alone (stacked / alone, K=8-16: MLP 600-128-100 at 11 MFLOP 0.9x, 600-256-100 at 23 MFLOP
# 1.2x, SmallCNN 8x8 at 57 MFLOP 1.0-1.2x, 28x28 at 508 MFLOP 2.0x; scripts/bench.py).
CPU_STACK_MAX_FLOP = 16e6


def start_models(
    build_model: Callable[[], nn.Module], num: int, *, config: TrainConfig, seed: int,
    stage: str, checkpoint_dir: Path | None, fingerprint: str | None,
) -> tuple[list[nn.Module], list[Path | None], list[bool], dict[str, Any],
           Mapping[str, Any] | None, torch.device]:
    """Where `train_ensemble` and `mia_defense.user_fit.train_with_user_fit` start, once
    `check_checkpoint_dir` passed: ``num`` fresh models on ``train.device``, model k
    initialised from ``derive_seed(seed, stage, k)``; their checkpoint paths (``None``: no
    folder) and which are saved (the caller logs what it reuses); the run's `resume_settings`,
    those every saved model must hold, and the device."""
    settings = resume_settings(config)
    expected = check_checkpoint_dir(checkpoint_dir, fingerprint=fingerprint,
                                    settings=settings, num_models=num)
    device = resolve_device(config.device)
    paths = [checkpoint_path(checkpoint_dir, k) if checkpoint_dir else None for k in range(num)]
    saved = [p is not None and p.exists() for p in paths]
    models = []
    for k in range(num):
        with global_torch_seeded(seed, stage, k, devices=[device]):
            models.append(build_model().to(device))
    return models, paths, saved, settings, expected, device


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
    fingerprint: str | None = None,
) -> Ensemble:
    """Train model k on ``x[masks[k]]`` for every k; reuse checkpoints already saved.

    Model k's initialisation, batch order and noise come from ``derive_seed(seed, stage, k)``
    only, so a resumed run gives the same models as an uninterrupted one. The models train
    ``train.chunk_size`` at a time as one stacked ensemble; a model ``torch.func`` cannot
    run, and ``train.engine=opacus``, train one at a time in the same engine (``train.fit``,
    the user's own training, is `mia_defense.user_fit.train_with_user_fit`).

    Args:
        build_model: returns a fresh, untrained module (the defenses already applied).
        x, y: the population's features [N, ...] and labels [N].
        masks: [K, N] bool membership.
        x_test, y_test: held-out data for the test curves.
        num_classes: C.
        build_defenses: returns fresh training-time defenses for one chunk of models.
        checkpoint_dir: where each model is saved as soon as its chunk is trained;
            ``None`` skips it.
        stage: the seed stream's name (distinct ensembles need distinct streams).
        progress: show a progress bar.
        x_reference, y_reference: the plan's reference split (outside the population),
            handed to the defenses that need it; ``None`` when there is none.
        fingerprint: `config_fingerprint` of the run, stored in every checkpoint; saved
            checkpoints with another one are refused (``None``: no check).
    """
    num = len(masks)
    models, paths, saved, settings, expected, device = start_models(
        build_model, num, config=config, seed=seed, stage=stage, checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint)  # fmt: skip
    engine, fallback, level = choose_engine(config, models, x.shape[1:], device)
    if fallback:
        log.log(level, "training %s one at a time: %s", stage_models(stage), fallback)
    vectorised = engine == "stacked" and not fallback
    sizes = [int(m.sum()) for m in masks]
    # Models with similar member counts train side by side (a chunk then pads less). The
    # chunks do not depend on what is saved, so a resumed run trains the chunks an
    # uninterrupted one trains (the same float rounding): one saved in part trains again whole.
    width = stack_width(config, engine, fallback)
    draws = stacked_draws(models[0], x.shape[1:]) if min(width, num) > 1 else None
    if draws:  # (chosen, not forced: a chunk's draws are its models' own, reproducible)
        log.info("training %s stacked: %s", stage_models(stage), draws)
    order = sorted(range(num), key=lambda k: (sizes[k], k))
    chunks = [order[i : i + width] for i in range(0, num, width)]
    from mia_defense.defenses.dp_stacked import resumed_chunks  # (the one-run audit's say)

    loaded = resumed_chunks(checkpoint_dir, chunks, [all(saved[k] for k in c) for c in chunks],
                            fingerprint=fingerprint)  # fmt: skip
    chunks = [chunk for chunk, done in zip(chunks, loaded, strict=True) if not done]
    if chunks and expected is not settings:  # every file saved, yet a chunk trains (the
        # audit's record missing): the settings it trains under must be the saved ones'
        check_checkpoint_dir(checkpoint_dir, fingerprint=fingerprint, settings=settings)
    retrained = {k for chunk in chunks for k in chunk}
    if any(saved):  # (a resumed run is told what it reuses)
        log.info("resuming: %d of %d %s already trained", num - len(retrained), num,
                 stage_models(stage))  # fmt: skip
    histories = {k: load_model(paths[k], models[k], fingerprint=fingerprint, settings=expected)
                 for k in range(num) if k not in retrained}  # fmt: skip (left out: all saved)
    arrays = {"x": x, "y": y, "x_test": x_test, "y_test": y_test}
    if y_reference is not None and len(y_reference):
        arrays |= {"x_reference": x_reference, "y_reference": y_reference}
    data = {name: torch.as_tensor(array, dtype=torch.long if name[0] == "y" else torch.float32,
                                  device=device) for name, array in arrays.items()}  # fmt: skip
    versions = {name: tensor._version for name, tensor in data.items()}
    with (
        intra_op_threads(config.threads if vectorised else 1),
        tqdm(total=len(chunks) * config.epochs, unit="epoch", disable=not progress,
             desc=f"training {stage_models(stage)} ({len(retrained)})") as bar,  # fmt: skip
    ):
        for chunk in chunks:
            defenses = list(build_defenses())
            for defense in defenses:
                defense.plan(sizes=sizes, batch_size=config.batch_size, epochs=config.epochs)
            # vmap's random ops (dropout) draw from the global generator: seed it from the
            # chunk's first model, so a resumed run draws what it drew before.
            with global_torch_seeded(seed, f"{stage}/chunk", chunk[0], devices=[device]):
                trained = train_chunk(
                    [models[k] for k in chunk],
                    masks=torch.as_tensor(masks[chunk], device=device),
                    num_classes=num_classes,
                    config=config,
                    generators=[torch_generator(seed, stage, k, device=device) for k in chunk],
                    defenses=defenses,
                    vectorised=vectorised,
                    engine=engine,
                    progress=bar,
                    **data,
                )
            check_data_unchanged(data, versions, models[chunk[0]])
            histories.update(zip(chunk, trained, strict=True))
            try:
                check_trained({k: (models[k], histories[k]) for k in chunk}, stage=stage, num=num,
                              left=num - len(histories))  # fmt: skip
            except DivergedError as exc:  # the curves so far, for the run's TensorBoard
                exc.histories = [h for _, h in sorted(histories.items())]
                raise
            for k in (k for k in chunk if paths[k] is not None):
                save_model(paths[k], models[k], histories[k], fingerprint=fingerprint,
                           settings=settings)
    return Ensemble(
        models=[m.eval().cpu() for m in models],
        histories=[histories[k] for k in range(num)],
        engine=engine,
        fallback_reason=fallback,
        stacked_draws=draws,
    )


def check_data_unchanged(
    data: dict[str, torch.Tensor], versions: dict[str, int], model: nn.Module
) -> None:
    """An `UnsupportedModelError` when training changed the run's data in place. The model
    check catches a forward that modifies its input on a batch of zeros; one that does so
    only on real values (a branch on them) changed the test set under the evaluation (its
    batches are views of it), and with it the data the release and the attacks then read:
    test accuracy 0.114 where the same model, its input left alone, had 0.169."""
    changed = [name for name, tensor in data.items() if tensor._version != versions[name]]
    if changed:
        name = f"{type(model).__module__}.{type(model).__qualname__}"
        raise UnsupportedModelError(
            f"training changed the run's data in place ({', '.join(changed)}): model {name} "
            "(or a defense of your own) modifies the batches it is given on real values, "
            "though not on the check's batch of zeros (e.g. x.clamp_(), x[...] = ... under an "
            "if on the values); compute a new tensor instead (x = x.clamp(...))"
        )


def choose_engine(
    config: TrainConfig, models: Sequence[nn.Module], input_shape: Sequence[int],
    device: torch.device,
) -> tuple[str, str | None, int]:
    """The engine the config asks for; why its models train one at a time, if they do (see
    `stack_width`); the log level to say it at (INFO when chosen for speed, WARNING when forced)."""
    if config.engine == "opacus":
        return "opacus", None, logging.INFO
    probe, differs = models[0], unlike(models)
    if differs:  # (stacked, every model runs models[0]'s hooks and attributes)
        return "stacked", differs, logging.WARNING
    cls = optimizer_class(config.optimizer)
    if not (cls.__module__.startswith("torch.optim") and cls.__name__ in ELEMENTWISE_OPTIMIZERS):
        return "stacked", (
            f"train.optimizer {cls.__module__}.{cls.__name__} is not a known element-wise "
            "optimiser, so stacked models would share its state"
        ), logging.WARNING
    if config.chunk_size is None and device.type == "cpu":
        flops = batch_flops(probe, input_shape, config.batch_size)
        if flops > CPU_STACK_MAX_FLOP:
            return "stacked", (
                f"one batch of {type(probe).__name__} costs {flops / 1e6:.0f} MFLOP, and on a "
                f"CPU models above {CPU_STACK_MAX_FLOP / 1e6:.0f} MFLOP train faster alone "
                "(train.chunk_size=null; a number stacks them)"
            ), logging.INFO
    return "stacked", vmap_blocker(probe, input_shape), logging.WARNING


def stack_width(config: TrainConfig, engine: str, fallback: str | None) -> int:
    """Models trained at once under `choose_engine`'s ``engine`` and ``fallback``."""
    return (config.chunk_size or CHUNK_SIZE) if engine == "stacked" and not fallback else 1
