"""What a training defense's hooks must give, checked as the engine calls them: a value of
another kind fails deep inside the step, or does the wrong thing quietly."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mia_defense.defenses.base import Batch, TrainingDefense
from mia_defense.errors import ConfigError

if TYPE_CHECKING:
    from mia_defense.training.config import TrainConfig

__all__ = [
    "HOOK_OUTPUTS",
    "batch_problem",
    "check_labels",
    "check_logits",
    "check_loss_trains",
    "check_own_backward",
    "check_per_model",
    "defense_optimizer_options",
    "hook_output",
]

# What each defense hook must give (the engine checks it): a test of the value (with the
# chunk's K) and what to say it should be.
HOOK_OUTPUTS: dict[str, tuple[Callable[[Any, int], bool], str]] = {
    "batches": (lambda v, k: batch_problem(v, k) is None,
                "mia_defense.defenses.base.Batch objects"),
    "transform": (lambda v, k: batch_problem(v, k) is None, "a mia_defense.defenses.base.Batch"),
    "end_epoch": (
        lambda v, k: isinstance(v, torch.Tensor) and v.dtype == torch.bool and v.shape == (k,),
        "a bool tensor of one value per model, shape [{k}], or None",
    ),
    "optimizer_options": (lambda v, k: isinstance(v, Mapping), "a mapping of optimiser settings"),
    "steps_per_epoch": (
        lambda v, k: v is None or (type(v) is int and v >= 1), "a whole number >= 1, or None"
    ),
    "backward": (lambda v, k: isinstance(v, bool), "True or False"),
    # (asked once a run, after training: results.json's training.defenses_idle)
    "idle_reason": (
        lambda v, k: v is None or isinstance(v, str),
        "a str (why it did not act: a line or two; a blank one reads as None) or None (it "
        "acted, or cannot tell)",
    ),
    "idle_models": (  # (k: the run's models, len(stats))
        lambda v, k: v is None or (type(v) is int and 1 <= v <= k),
        "a whole number from 1 to {k} (how many of the run's {k} models it did not act in) "
        "or None (not counted)",
    ),
    "forward": (
        lambda v, k: isinstance(v, torch.Tensor) and v.dim() == 3 and v.shape[0] == k,
        "logits of shape [{k}, batch, classes], or None",
    ),
}


def hook_output(value: Any, hook: str, defense: TrainingDefense | None, k: int = 0) -> Any:
    """``value`` when it is what a defense's ``hook`` must give (`HOOK_OUTPUTS`), else a
    `ConfigError` naming the defense and the hook: anything else fails deep in the step,
    or does the wrong thing quietly (a scalar ``True`` from ``end_epoch`` broadcasts over
    the K models and stops them all)."""
    accepts, want = HOOK_OUTPUTS[hook]
    if accepts(value, k):
        return value
    got = type(value).__name__
    if isinstance(value, Batch):
        got = f"a Batch whose {batch_problem(value, k)}"
    if isinstance(value, torch.Tensor):
        got = _tensor(value)
    raise _refusal(defense, hook, want.format(k=k), got)


def _refusal(defense: TrainingDefense | None, hook: str, want: str, got: str) -> ConfigError:
    """The `ConfigError` of a ``hook`` that gave ``got`` where it must give ``want``."""
    owner = f"defense {type(defense).__name__}" if defense is not None else "a defense"
    return ConfigError(f"{owner}: its {hook} must give {want}, not {got}")


def check_labels(
    batch: Batch, num_classes: int, hook: str, defense: TrainingDefense | None, *, values: bool
) -> None:
    """A `ConfigError` naming the defense and its ``hook`` (``transform``, ``batches``) that
    gave a checked `Batch` (`batch_problem`) whose labels are not of the data's
    ``num_classes`` C: soft ones of another class count (cross-entropy's raw RuntimeError)
    and, with ``values``, hard ones ``y`` outside [0, C) (its raw IndexError, 'Target 6 is
    out of bounds'). ``values`` costs a min and max of ``y`` [K, B] and a device sync: the
    engine asks it on the run's first step, where a transform gave new labels and on each
    epoch's first batch a defense draws."""
    target, got = batch.target, None
    if target.is_floating_point() and target.shape[-1] != num_classes:
        got = (f"a Batch whose target (soft labels) has {target.shape[-1]} classes (shape "
               f"{list(target.shape)}), not the {num_classes} of the data")
    elif values and batch.y.numel():
        low, high = torch.stack(torch.aminmax(batch.y)).tolist()  # (one sync)
        if low < 0 or high >= num_classes:
            got = (f"a Batch whose y holds the label {low if low < 0 else high}, outside the "
                   f"{num_classes} classes (labels 0 to {num_classes - 1}): give labels of "
                   "the data's classes, in both y and target")
    if got is not None:
        raise _refusal(defense, hook, HOOK_OUTPUTS[hook][1], got)


def check_logits(logits: torch.Tensor, shape: tuple[int, int, int],
                 defense: TrainingDefense) -> None:
    """A `ConfigError` naming the defense whose ``forward`` gave logits (checked by
    `hook_output`) of another ``shape`` than [K, B, C]: another batch size failed in a raw
    IndexError, extra classes trained silently."""
    if tuple(logits.shape) != shape:
        k, b, c = shape
        want = f"logits of shape [{k}, {b}, {c}] (models, the batch's {b} samples, the {c} classes)"
        raise _refusal(defense, "forward", want, _tensor(logits))


def batch_problem(batch: Any, k: int = 0) -> str | None:
    """What makes ``batch`` no `Batch` the step can train on, or ``None``: fields of other
    shapes than x's [K, B] (a transform that cut x alone failed in cross-entropy's raw
    RuntimeError), another K than the chunk's ``k`` (0: not known), labels that are no
    integers, or labels ``y`` apart from the hard ``target`` the loss fits (a transform that
    changed ``y`` alone trained on the old labels, silently). Shapes and dtypes only, but
    for that last comparison, made when ``target`` is not ``y`` itself."""
    if not isinstance(batch, Batch):
        return "is no Batch"
    fields = {f: getattr(batch, f) for f in ("x", "y", "target", "valid", "stepping")}
    loose = [f for f, v in fields.items() if not isinstance(v, torch.Tensor)]
    if loose:
        return f"{loose[0]} is a {type(fields[loose[0]]).__name__}, not a tensor"
    x, y, target = batch.x, batch.y, batch.target
    if x.dim() < 2:
        return f"x has shape {list(x.shape)} (one of [models, batch, ...] wanted)"
    rows = tuple(x.shape[:2])
    if k and rows[0] != k:
        return f"x holds {rows[0]} models' samples (shape {list(x.shape)}) in a chunk of {k}"
    want = {"y": rows, "valid": rows, "stepping": rows[:1]}
    for name, shape in want.items():
        if tuple(fields[name].shape) != shape:
            return (f"{name} has shape {list(fields[name].shape)} where x's {list(x.shape)} "
                    f"asks {list(shape)} (change the fields of a Batch together, e.g. "
                    "dataclasses.replace(batch, x=..., y=..., target=..., valid=...))")
    for name in ("valid", "stepping"):
        if fields[name].dtype != torch.bool:
            return f"{name} is a {_dtype(fields[name])} tensor (a bool one wanted)"
    if not _integer(y):
        return f"y (the hard labels) is a {_dtype(y)} tensor (an integer one wanted)"
    if target.is_floating_point():
        if target.dim() != 3 or tuple(target.shape[:2]) != rows:
            return (f"target (soft labels) has shape {list(target.shape)} where x's "
                    f"{list(x.shape)} asks [{rows[0]}, {rows[1]}, classes]")
        return None
    if not _integer(target) or tuple(target.shape) != rows:
        return (f"target is a {_dtype(target)} tensor of shape {list(target.shape)} (hard "
                f"labels [{rows[0]}, {rows[1]}] or soft ones [{rows[0]}, {rows[1]}, classes] "
                "wanted)")
    if target is not y and not torch.equal(target, y):
        return ("hard target (the labels the loss fits) differs from y (the labels the "
                "other defenses and checks read), so one of them was changed alone: set both "
                "to the labels to train on (target=y), or give target soft labels [models, "
                "batch, classes] (mixup)")
    return None


def _integer(labels: torch.Tensor) -> bool:
    """Whether ``labels`` hold integers (not bool, not floating or complex numbers)."""
    return not (labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool)


def _dtype(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def _tensor(tensor: torch.Tensor) -> str:
    return f"a {_dtype(tensor)} tensor of shape {list(tensor.shape)}"


def check_per_model(loss: Any, defense: TrainingDefense, num_models: int) -> None:
    """A defense's loss is one value per model ([K]): a scalar would mix the K models'
    losses into one (each model's gradient scaled by the others' count), and a loss of
    another shape fails deep inside autograd."""
    if not (isinstance(loss, torch.Tensor) and loss.shape == (num_models,)):
        got = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ConfigError(
            f"defense {type(defense).__name__}: its loss must be a tensor of one value per "
            f"model, shape [{num_models}], not {got}; reduce over the batch only "
            "(mia_defense.defenses.masked_mean)"
        )


def check_loss_trains(
    loss: torch.Tensor, logits: torch.Tensor, defense: TrainingDefense, *, first: bool
) -> None:
    """A `ConfigError` naming a defense whose loss cannot train the models: one detached
    from the logits (autograd's raw RuntimeError, 'element 0 of tensors does not require
    grad', ended the run in a traceback), or, on the run's first batch, NaN or inf from
    finite logits at the initial weights, which stopped the run as 'training diverged ...
    lower the learning rate first' though no step had been taken."""
    name = f"defense {type(defense).__name__}"
    if logits.requires_grad and not loss.requires_grad:
        raise ConfigError(
            f"{name}: its loss does not depend on the logits it is given (no grad_fn: "
            "detached, or computed under torch.no_grad() or from .data), so it cannot train "
            "the models; compute it from the logits with differentiable torch operations"
        )
    if first and not bool(torch.isfinite(loss).all()) and bool(torch.isfinite(logits).all()):
        raise ConfigError(
            f"{name}: its loss is NaN or inf on the run's first batch, from finite logits at "
            "the models' initial weights (before any optimiser step), so no learning rate "
            "causes it: look in its loss for a log of 0, a division by 0 or an overflow"
        )


def check_own_backward(has_grads: bool, defense: TrainingDefense, hook: str) -> None:
    """A `ConfigError` naming a defense whose ``hook`` left gradients on the models before the
    engine's backward pass (``has_grads``, asked on the run's first step): a ``backward`` that
    set them and returned False, or a ``forward`` or ``loss`` that ran one itself. The
    engine's backward then ran through the freed graph (autograd's raw RuntimeError) or, with
    retain_graph=True, doubled every gradient silently."""
    if not has_grads:
        return
    did, fix = "set the models' gradients but returned False", "return True once it has set them"
    if hook != "backward":
        did = "ran a backward pass itself (the models held gradients before the engine's)"
        fix = "leave it to the engine, or run it in a backward hook that returns True"
    raise ConfigError(
        f"defense {type(defense).__name__}: its {hook} {did}, which leaves the gradients to the "
        "engine's own backward pass (a second one: through a freed graph, or adding to them): "
        f"{fix}")


def defense_optimizer_options(
    defenses: Sequence[TrainingDefense], config: TrainConfig
) -> dict[str, Any]:
    """The optimiser settings the defenses set (`TrainingDefense.optimizer_options`),
    refusing a weight decay that replaces the recipe's and two defenses setting one option
    differently (`ConfigError`). The engine builds its optimiser with them;
    `mia_defense.config.check_defense_stack` runs it before the run directory is made."""
    options: dict[str, Any] = {}
    setters: dict[str, str] = {}
    for defense in defenses:
        own = hook_output(defense.optimizer_options(), "optimizer_options", defense)
        if "weight_decay" in own:
            _check_decay(own["weight_decay"], defense)
            _refuse_replaced_decay(own["weight_decay"], defense, config)
        clashes = [k for k in own if k in options and options[k] != own[k]]
        if clashes:  # one would silently replace the other's setting
            raise ConfigError(
                f"defenses {setters[clashes[0]]} and {defense.name} both set the optimiser's "
                f"{clashes[0]} ({options[clashes[0]]!r}, {own[clashes[0]]!r}); keep one of them"
            )
        options.update(own)
        setters.update(dict.fromkeys(own, defense.name))
    return options


def _check_decay(decay: Any, defense: TrainingDefense) -> None:
    """A `ConfigError` naming the defense whose ``optimizer_options`` give a weight decay
    that is no finite number >= 0 (`mia_defense.constraints.Param`'s rule, as
    train.weight_decay's): True ran as a decay of 1, and text, NaN, -1 or 10**400 reached
    the optimiser (torch's raw error at the run's first step) or this module's formatting
    (a raw ValueError or OverflowError)."""
    from mia_defense.constraints import Param

    plain = decay.item() if isinstance(decay, torch.Tensor | np.generic) and not isinstance(
        decay, np.bool_) and getattr(decay, "ndim", 0) == 0 else decay  # fmt: skip
    if not Param("float", low=0).accepts(plain):
        raise ConfigError(
            f"defense {defense.name}: its optimizer_options give weight_decay={decay!r:.60}, "
            "which must be a finite number >= 0 (the optimiser's weight decay, e.g. 5e-3)"
        )


def _refuse_replaced_decay(decay: Any, defense: TrainingDefense, config: TrainConfig) -> None:
    """A `ConfigError` when a defense's weight ``decay`` replaces another one the recipe
    sets: the run (or a search over ``train.weight_decay``) would report a decay it never
    used."""
    # (here, not at the top: importing training runs its engine, which imports this module)
    from mia_defense.training.config import optimizer_options

    given = optimizer_options(config.optimizer)
    key = "train.optimizer.weight_decay" if "weight_decay" in given else "train.weight_decay"
    recipe = given.get("weight_decay", config.weight_decay)
    if recipe and recipe != decay:
        raise ConfigError(
            f"{key}={recipe:g} is replaced by defense {defense.name}'s weight decay {decay:g}: "
            f"set only one of them (leave {key} at 0 beside the {defense.name} defense)"
        )
