"""The training recipe's plain settings (the defenses are separate strategies)."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from mia_defense.constraints import Param, check_values
from mia_defense.errors import ConfigError

__all__ = [
    "ELEMENTWISE_OPTIMIZERS",
    "TRAIN",
    "Members",
    "TrainConfig",
    "check_user_fit",
    "optimizer_class",
    "optimizer_options",
    "records_epoch",
    "resolve_device",
    "user_fit",
]

# What each train.* key accepts: checked by TrainConfig and by the config checker.
TRAIN: dict[str, Param] = {
    "epochs": Param("int", low=1),
    "batch_size": Param("int", low=1),
    "lr": Param("float", low=0, low_open=True),
    "optimizer": Param(
        "target", choices=("adam", "sgd"), note="_target_: any element-wise torch.optim class"
    ),
    "momentum": Param("float", low=0, high=1, high_open=True, note="sgd only"),
    "weight_decay": Param("float", low=0),
    "device": Param("str", choices=("cpu", "cuda", "auto")),
    "engine": Param("str", choices=("stacked", "opacus")),
    "chunk_size": Param("int", low=1),
    "eval_every": Param("int", low=1),
    "threads": Param("int", low=0, note="0: all usable cores"),
    "fit": Param(
        "target", nullable=True,
        note="your own training function, {_target_: my_pkg.fit}; null: the built-in engine",
    ),
}


@dataclass
class TrainConfig:
    """How each model is trained.

    Attributes:
        epochs: passes over the model's members.
        batch_size: samples per step.
        lr: learning rate.
        optimizer: ``adam``, ``sgd``, or a ``{_target_: torch.optim.AdamW, betas: ...}``
            mapping naming any element-wise ``torch.optim`` optimiser and its settings
            (``lr`` and ``weight_decay`` come from this recipe).
        momentum: SGD momentum (ignored by Adam).
        weight_decay: L2 penalty passed to the optimizer.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when present).
        engine: ``stacked`` trains the models of a chunk as one stacked ensemble
            (``torch.func``); ``opacus`` trains them one at a time, with Opacus' own
            DP-SGD (the reference implementation).
        chunk_size: models trained together by the stacked engine (bounds memory; each
            chunk's checkpoints are written when it ends).
        eval_every: record the loss/accuracy curves every this many epochs (the last
            epoch is always recorded); evaluating every model on its members and the
            test set each epoch can cost as much as training it.
        threads: intra-op threads of the stacked engine (0: every core this process may
            use). One by default: the engine's ops are small, and when another process
            keeps a core busy, a second thread waits at every op's barrier (the default
            digits run measured 50 s instead of 1.5 s of training with 2 threads beside one
            busy process). Models trained one at a time always use one.
        fit: ``None`` (the built-in engine) or ``{_target_: my_pkg.fit, ...}``: your own
            training function replaces the training step of every model (targets and the
            shadow/reference models alike). It is called as ``fit(model, members, recipe,
            **options)`` with the untrained module, its `Members` and this recipe, and
            returns the trained module; the other keys are its ``options``.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: Any = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    device: str = "cpu"
    engine: str = "stacked"
    chunk_size: int = 32
    eval_every: int = 1
    threads: int = 1
    fit: Any = None

    def __post_init__(self) -> None:
        # Machine checks (CUDA, cores) are mia_defense.config.check_config's.
        problems = check_values(TRAIN, asdict(self), prefix="train")
        if problems:
            raise ConfigError("\n".join(problems))
        optimizer_class(self.optimizer)  # a bad _target_ fails here, before any training
        user_fit(self.fit)  # so does a training function that cannot be imported


@dataclass(frozen=True)
class Members:
    """What a user's training function (``train.fit``) gets besides the model and the recipe.

    Attributes:
        x: [M, ...] float32 features of the model's members (its row of the masks).
        y: [M] int64 labels of the members.
        num_classes: C.
        index: k, the model's row in the masks and in observations.npz.
        seed: model k's own seed (`mia_defense.seeding.derive_seed` of the run's seed, the
            stage and k); torch's global generator is seeded with it before the call, so
            drawing batch orders and noise from torch makes the run reproducible.
        stage: ``model``: the plan's K models, each a target and every other target's
            shadow/reference model (the adaptive attacker's shadows are these models).
        device: where the model is (``train.device``).
        x_test, y_test: the held-out test set, to watch the test loss (never train on it).
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    index: int
    seed: int
    stage: str
    device: torch.device
    x_test: np.ndarray
    y_test: np.ndarray


def user_fit(spec: Any) -> Callable[..., nn.Module] | None:
    """The training function ``train.fit`` names (``{_target_: my_pkg.fit, ...}``) with its
    other keys bound as keyword options, or ``None`` for the built-in engine."""
    if spec is None:
        return None
    target = spec.get("_target_") if isinstance(spec, Mapping) else None
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"train.fit={spec!r}: must be null (the built-in engine) or a mapping naming your "
            "training function, e.g. 'train.fit={_target_:my_pkg.fit}'"
        )
    module, _, name = target.rpartition(".")
    try:
        function = getattr(importlib.import_module(module), name, None) if module else None
    except ImportError as err:
        raise ConfigError(
            f"train.fit._target_={target}: cannot import it ({err}); start mia-train from the "
            "folder that holds your module, or install it"
        ) from err
    if not callable(function) or isinstance(function, type):
        raise ConfigError(
            f"train.fit._target_={target}: not a function; name one that takes (model, "
            "members, recipe) and returns the trained model"
        )
    options = {k: v for k, v in spec.items() if k not in ("_target_", "_partial_")}
    return functools.partial(function, **options) if options else function


def check_user_fit(config: TrainConfig, *, defenses: Sequence[Any]) -> None:
    """With ``train.fit``, training is the user's: the built-in engine's settings and the
    training-time defenses (hooks into that engine) cannot apply; refuse them by name."""
    if config.fit is None:
        return
    target = config.fit["_target_"]
    if defenses:
        names = ",".join(getattr(d, "name", type(d).__name__) for d in defenses)
        raise ConfigError(
            f"train.fit._target_={target} with defense=[{names}]: training-time defenses hook "
            "into the built-in engine, which your function replaces; apply them inside your "
            "function and drop defense= (release= still applies to the outputs)"
        )
    if config.engine != "stacked":
        raise ConfigError(
            f"train.engine={config.engine} with train.fit._target_={target}: your function "
            "trains the models, not an engine; drop train.engine"
        )


def records_epoch(config: TrainConfig, epoch: int) -> bool:
    """Whether the curves get a point after ``epoch`` (0-based): every ``eval_every``-th
    epoch and the last one."""
    return (epoch + 1) % config.eval_every == 0 or epoch + 1 == config.epochs


def resolve_device(name: str) -> torch.device:
    """``auto`` means CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


# Optimisers that update every element from its own gradient and state alone: on the
# stacked leaves [K, ...] each model then steps exactly as it would alone.
ELEMENTWISE_OPTIMIZERS = (
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Rprop",
    "Adagrad",
    "Adadelta",
    "ASGD",
)


def optimizer_class(spec: Any) -> type[torch.optim.Optimizer]:
    """The ``torch.optim`` class of ``train.optimizer`` (``adam``, ``sgd`` or ``_target_``)."""
    if isinstance(spec, str):
        return torch.optim.SGD if spec == "sgd" else torch.optim.Adam
    target = spec["_target_"]
    module, _, name = target.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name, None) if module else None
    except ImportError as err:
        raise ConfigError(f"train.optimizer._target_={target}: cannot import it ({err})") from err
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise ConfigError(
            f"train.optimizer._target_={target}: not a torch.optim.Optimizer class; "
            "name one, e.g. torch.optim.AdamW"
        )
    closure = inspect.signature(cls.step).parameters.get("closure")
    if closure is not None and closure.default is inspect.Parameter.empty:
        raise ConfigError(
            f"train.optimizer._target_={target}: it needs a closure at every step, which "
            "the engine does not give; pick a first-order optimiser, e.g. torch.optim.AdamW"
        )
    return cls


def optimizer_options(spec: Any) -> dict[str, Any]:
    """The settings given with a ``_target_`` optimiser (``_target_``/``_partial_`` dropped)."""
    if isinstance(spec, str):
        return {}
    return {k: v for k, v in spec.items() if k not in ("_target_", "_partial_")}
