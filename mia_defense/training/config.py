"""The training recipe's plain settings (the defenses are separate strategies)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from mia_defense.constraints import (
    Param,
    check_values,
    imported_target,
    missing_attribute,
    show,
    string_hint,
)
from mia_defense.errors import ConfigError
from mia_defense.training.eager import lazy_compile_guards, optimizer_step

__all__ = [
    "CHUNK_SIZE",
    "ELEMENTWISE_OPTIMIZERS",
    "TRAIN",
    "TrainConfig",
    "check_optimizer",
    "make_optimizer",
    "optimizer_class",
    "optimizer_options",
    "resolve_device",
    "takes_momentum",
]

CHUNK_SIZE = 32  # models per stacked chunk when train.chunk_size is null

# What each train.* key accepts: checked by TrainConfig and by the config checker.
TRAIN: dict[str, Param] = {
    "epochs": Param("int", low=1),
    "batch_size": Param("int", low=1),
    "lr": Param("float", low=0, low_open=True),
    "optimizer": Param(
        "target", choices=("adam", "sgd"), note="_target_: any element-wise torch.optim class"
    ),
    "momentum": Param("float", low=0, high=1, high_open=True, note="SGD's: sgd or a _target_ SGD"),
    "weight_decay": Param("float", low=0),
    "device": Param("str", choices=("cpu", "cuda", "auto")),
    "engine": Param("str", choices=("stacked", "opacus")),
    "chunk_size": Param(
        "int", low=1, nullable=True, note="null: 32, or one at a time for large models on a CPU"
    ),
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
            (its own ``lr`` and ``weight_decay`` win over this recipe's).
        momentum: SGD's momentum: of ``sgd`` and of a ``_target_`` SGD class that gives no
            ``momentum`` of its own (its own wins); other optimisers ignore it.
        weight_decay: L2 penalty passed to the optimizer.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when present).
        engine: ``stacked`` trains the models of a chunk as one stacked ensemble
            (``torch.func``); ``opacus`` trains them one at a time, with Opacus' own
            DP-SGD (the reference implementation).
        chunk_size: models trained together by the stacked engine (bounds memory; each
            chunk's checkpoints are written when it ends). ``None``: 32, but one at a time
            on a CPU when one batch of the model costs more than 16 MFLOP (stacking is
            slower there).
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
            **options)`` with the untrained module, its `mia_defense.user_fit.Members` and this
            recipe, and returns the trained module; the other keys are its ``options``.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: Any = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    device: str = "cpu"
    engine: str = "stacked"
    chunk_size: int | None = None
    eval_every: int = 1
    threads: int = 1
    fit: Any = None

    def __post_init__(self) -> None:
        # Machine checks (CUDA, cores) are mia_defense.config.check_config's.
        if problems := check_values(TRAIN, asdict(self), prefix="train"):
            raise ConfigError("\n".join(problems))
        check_optimizer(self)


# Settings of a train.optimizer that choose torch's implementation: fused kernels are ours
# only when the user chose none (fused with foreach: true was torch's RuntimeError).
_IMPLEMENTATION_KEYS = frozenset({"fused", "foreach", "differentiable"})


def make_optimizer(
    params: Sequence[torch.Tensor], config: TrainConfig, **overrides: Any
) -> torch.optim.Optimizer:
    """The recipe's ``torch.optim`` optimiser over ``params``, with the defenses'
    ``overrides`` (e.g. ``weight_decay``).

    Fused kernels: on CPU, fused Adam steps the default run's stacked leaves about 2.5x
    faster than the foreach ones (scripts/bench.py, "Where the engine's time goes").
    """
    lazy_compile_guards()
    cls = optimizer_class(config.optimizer)
    accepted = inspect.signature(cls).parameters
    given = optimizer_options(config.optimizer)
    options: dict[str, Any] = {"lr": config.lr}
    chosen = _IMPLEMENTATION_KEYS & given.keys()
    if "fused" in accepted and not chosen:
        options["fused"] = True  # (foreach or differentiable of the user's: torch refuses both)
    if takes_momentum(config.optimizer):
        options["momentum"] = config.momentum
    # the defenses' decay wins over train.optimizer's own, which wins over train.weight_decay
    decay = overrides.pop("weight_decay", given.get("weight_decay", config.weight_decay))
    if decay and "weight_decay" not in accepted:
        raise ConfigError(
            f"weight decay {decay}: {cls.__name__} takes no weight_decay; drop the "
            "weight-decay setting or pick another optimiser"
        )
    options.update(given)
    if "weight_decay" in accepted:
        options["weight_decay"] = decay
    options.update(overrides)
    return cls(params, **options)


def check_optimizer(config: TrainConfig) -> None:
    """Build the recipe's optimiser once over a dummy parameter, as the engine builds it, and
    take one step, so that settings torch refuses (``lr: abc``, ``momentum: -1``, ``betas:
    [0.9, 2.0]``, a ``weight_decay`` of 10**400 when stepping) stop the run before any data
    is loaded, as a `ConfigError` naming ``train.optimizer``."""
    cls = optimizer_class(config.optimizer)  # (a bad _target_ first)
    options = optimizer_options(config.optimizer)
    if problem := _flag_problem(cls, options) or _runaway_options(options):
        raise ConfigError(problem)
    dummy = torch.zeros(1, requires_grad=True)
    try:
        optimizer = make_optimizer([dummy], config)
        dummy.grad = torch.zeros_like(dummy)
        optimizer_step(optimizer)  # settings torch reads only when stepping (10**400)
    except ConfigError:
        raise
    # RuntimeError: flags torch refuses together (foreach with the fused kernels we ask for);
    # IndexError: a list too short (betas: [0.9]); both were tracebacks of the config check
    except (TypeError, ValueError, OverflowError, RuntimeError, IndexError) as exc:
        shown = ", ".join(f"{k}: {v!r}" for k, v in options.items())
        raise ConfigError(
            f"train.optimizer: {cls.__name__} refused its settings ({exc}); given lr={config.lr!r}"
            f"{', ' + shown if shown else ''}: fix train.lr or the train.optimizer.* values"
        ) from None


def _flag_problem(cls: type[torch.optim.Optimizer], options: dict[str, Any]) -> str | None:
    """The problem of a ``train.optimizer`` setting given as a mapping, or of a switch given
    anything but true or false, or ``None``. Torch tests most switches only for truth:
    ``maximize: 'false'`` (quoted) or ``maximize: 1`` trained every model to ascend its loss,
    and where a fused kernel read it, the refusal was a page of its overloads."""
    parameters = inspect.signature(cls).parameters
    for key, value in options.items():
        if isinstance(value, Mapping):  # (betas: {a: 1}: torch's KeyError 0, a traceback)
            return (f"train.optimizer.{key}: a mapping, which no setting of {cls.__name__} "
                    "takes (they are numbers, true or false, or lists of numbers)")
        default = getattr(parameters.get(key), "default", None)
        switch = isinstance(default, bool) or key in _IMPLEMENTATION_KEYS
        if not switch or isinstance(value, bool) or (value is None and default is None):
            continue
        nullable = " or null" if default is None else ""
        return (f"train.optimizer.{key}={show(value)}: must be true or false{nullable} "
                f"({cls.__name__} takes {key}: bool){string_hint(value, ('bool',))}")
    return None


# Settings torch takes at any value >= 0 that stop being descent at 1 (train.momentum's
# own range is [0, 1)): SGD with momentum: 2 trained digits to 0.14 and got a verdict.
_BELOW_ONE = {
    "momentum": "a velocity that never decays makes each step larger than the last; e.g. 0.9",
    "dampening": "from 1 on, the gradients add nothing to the momentum, or subtract; e.g. 0",
}


def _runaway_options(options: dict[str, Any]) -> str | None:
    """The problem of a ``train.optimizer`` momentum or dampening of 1 or more, of ``maximize:
    true`` (gradient ascent: the models trained to be wrong, a whole run for no verdict), of
    an lr or weight_decay train.lr's or .weight_decay's rule refuses (lr: 0 or inf), or None."""
    if options.get("maximize") is True:
        return ("train.optimizer.maximize=true: the optimiser would ascend the loss, training "
                "every model to be wrong; drop it")
    for key, why in _BELOW_ONE.items():
        value = options.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 1:
            return f"train.optimizer.{key}={value!r}: must be below 1 ({why})"
    rates = {key: value for key, value in options.items() if key in ("lr", "weight_decay")}
    return next(iter(check_values(TRAIN, rates, prefix="train.optimizer")), None)


def resolve_device(name: str) -> torch.device:
    """``auto`` means CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


# Optimisers that update every element from its own gradient and state alone: on the
# stacked leaves [K, ...] each model then steps exactly as it would alone.
ELEMENTWISE_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop",
                          "Adagrad", "Adadelta", "ASGD")  # fmt: skip


def optimizer_class(spec: Any) -> type[torch.optim.Optimizer]:
    """The ``torch.optim`` class of ``train.optimizer`` (``adam``, ``sgd`` or ``_target_``)."""
    if isinstance(spec, str):
        return torch.optim.SGD if spec == "sgd" else torch.optim.Adam
    target = spec["_target_"]
    cls = imported_target("train.optimizer._target_", target)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        # (a misspelt class, torch.optim.Adamm: what is missing and the closest name)
        raise ConfigError(
            f"train.optimizer._target_={target}: not a torch.optim.Optimizer class; "
            f"name one, e.g. torch.optim.AdamW{missing_attribute(target)}"
        )
    closure = inspect.signature(cls.step).parameters.get("closure")
    if closure is not None and closure.default is inspect.Parameter.empty:
        raise ConfigError(
            f"train.optimizer._target_={target}: it needs a closure at every step, which "
            "the engine does not give; pick a first-order optimiser, e.g. torch.optim.AdamW"
        )
    if issubclass(cls, torch.optim.SparseAdam):
        raise ConfigError(
            f"train.optimizer._target_={target}: it steps on sparse gradients only, and the "
            "models' gradients are dense; use torch.optim.Adam or AdamW"
        )
    return cls


def takes_momentum(spec: Any) -> bool:
    """Whether train.optimizer takes train.momentum: an SGD (``sgd`` or a ``_target_`` SGD
    class) that gives no ``momentum`` of its own (which wins, as its ``lr`` over train.lr)."""
    own = "momentum" in optimizer_options(spec)
    return not own and issubclass(optimizer_class(spec), torch.optim.SGD)


def optimizer_options(spec: Any) -> dict[str, Any]:
    """The settings given with a ``_target_`` optimiser (``_target_``/``_partial_`` dropped)."""
    if isinstance(spec, str):
        return {}
    return {k: v for k, v in spec.items() if k not in ("_target_", "_partial_")}
