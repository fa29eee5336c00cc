"""Stacking training defenses: build them fresh per model, order them, refuse bad mixes."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch import nn

from mia_defense.defenses.accounting import FLOAT32_ROUNDOFF
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.values import name_problem
from mia_defense.errors import ConfigError

__all__ = [
    "DefenseFactory",
    "check_defenses",
    "check_order",
    "defense_name_problem",
    "inactive_setting",
    "prepare_model",
    "warn_dropout_twice",
    "warn_inactive_defenses",
    "warn_meaningless_clip_norm",
    "warn_unaccounted_beside_dp",
]

log = logging.getLogger(__name__)

# Defenses whose privacy accounting DP-SGD cannot keep, and why.
_BREAKS_DP = {
    "mixup": "a mixed sample depends on two records, doubling the per-record sensitivity",
    "relaxloss": "its gradient sign depends on the whole batch's loss, so one record can "
    "flip every other record's clipped gradient",
    "advreg": "its inference model is fit to the members without clipping or noise",
}
# Defenses that need hard integer labels and so cannot see mixup's soft labels.
_HARD_LABELS = ("relaxloss", "advreg")


def _defines_loss(defense: TrainingDefense) -> bool:
    return type(defense).loss is not TrainingDefense.loss


def _overrides(defense: TrainingDefense, *hooks: str) -> bool:
    """Whether ``defense``'s class overrides any of the `TrainingDefense` ``hooks``."""
    return any(getattr(type(defense), h) is not getattr(TrainingDefense, h) for h in hooks)


def check_defenses(
    defenses: Sequence[TrainingDefense], *, reference_size: int | None = None
) -> None:
    """Raise `ConfigError` listing every problem of a defense stack at once, before a run
    trains: each defense's name first (`defense_name_problem`), then the stack's.

    Args:
        defenses: the stack, as built for one model.
        reference_size: samples in the plan's reference split (``None``: not checked).
    """
    named = [problem for d in defenses if (problem := defense_name_problem(d))]
    if named:
        raise ConfigError("; ".join(named))
    _refuse_stack(defenses, reference_size=reference_size)
    warm_up = _warm_up_problem(defenses)
    if warm_up:
        raise ConfigError(warm_up)


def _warm_up_problem(defenses: Sequence[TrainingDefense]) -> str | None:
    """AdvReg's warm-up beside early stopping, which may stop a model within the warm-up
    or restore its best epoch from it: that model is released trained without the min-max
    game while the run reports advreg (digits, warmup_epochs=8, patience=3: one model of
    four stopped after epoch 8, its best epoch the 4th, and never met the inference model).
    Only a run's check: a run recorded before this rule still rebuilds (`DefenseFactory`)."""
    names = [d.name for d in defenses]
    if "advreg" not in names or "early_stopping" not in names:
        return None
    advreg, stopping = (defenses[names.index(n)] for n in ("advreg", "early_stopping"))
    warmup = getattr(advreg, "warmup_epochs", 0)
    if not warmup or not getattr(advreg, "strength", 0):
        return None
    restores = getattr(stopping, "restore_best", True)
    if not restores and stopping.earliest_stop(warmup + 1) > warmup:
        return None  # every model trains past the warm-up and keeps its last weights
    how = ("restore a model's best weights from the warm-up" if restores
           else "stop a model within the warm-up")  # fmt: skip
    return (
        f"defense: advreg + early_stopping: with defense.advreg.warmup_epochs={warmup}, "
        f"early stopping may {how}, before the min-max game starts: that model would be "
        "released trained without advreg while the run reports it; set "
        "defense.advreg.warmup_epochs=0 (the game from the first epoch), or "
        "defense.early_stopping.restore_best=false with patience >= "
        f"{max(warmup - 1, 0)} (no stop before epoch {warmup + 1}), or drop one of the two"
    )


def defense_name_problem(defense: TrainingDefense) -> str | None:
    """Why ``defense`` cannot go by its ``name`` in results.json, or ``None``: a defense of
    one's own that sets no name was recorded as ``none`` (a defended run reported, and
    ranked by mia-report, as undefended), one named ``dp`` as DP-SGD (`name_problem`)."""
    from mia_defense import defenses as ours  # (the package imports this module)

    built_in: dict[str, type] = {"none": TrainingDefense}
    for cls in (getattr(ours, name) for name in ours.__all__):  # (each loads on first use)
        if isinstance(cls, type) and issubclass(cls, TrainingDefense) and "name" in vars(cls):
            built_in.setdefault(cls.name, cls)
    return name_problem(defense, kind="defense", base=TrainingDefense, built_in=built_in)


def _refuse_stack(
    defenses: Sequence[TrainingDefense], *, reference_size: int | None = None
) -> None:
    """`check_defenses` but the names (a model of a finished run is rebuilt by
    `DefenseFactory` whatever its defenses were called)."""
    names = [d.name for d in defenses]
    problems: list[str] = []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"defenses {duplicates} are listed more than once")
    if "dp" in names:
        problems += [
            f"dp + {name}: {why}; drop one of them"
            for name, why in _BREAKS_DP.items()
            if name in names
        ]
    if "mixup" in names:
        problems += [
            f"mixup + {name}: {name} needs hard labels, mixup trains on soft ones; drop one"
            for name in _HARD_LABELS
            if name in names
        ]
    losses = [d.name for d in defenses if _defines_loss(d)]
    if len(losses) > 1:
        problems.append(
            f"{losses} each define the training loss and only one can; keep one of them"
        )
    forwards = [d.name for d in defenses if type(d).forward is not TrainingDefense.forward]
    if len(forwards) > 1:
        problems.append(
            f"{forwards} each run the training forward pass and only one can; keep one of them"
        )
    # (the engine takes the first defense's batches and stops at the first backward that
    # sets the gradients: the other's hook was never called, DP-SGD's noise among them)
    for hooks, what in ((("batches", "steps_per_epoch"), "draw the training batches (their "
                         "batches or steps_per_epoch hook)"),
                        (("backward",), "set the gradients themselves (their backward hook)")):
        owners = [d.name for d in defenses if _overrides(d, *hooks)]
        if len(set(owners)) > 1:  # (one name twice is said above)
            problems.append(f"{owners} each {what} and only one can; keep one of them")
    # (results.json's privacy holds one report, the first in the stack's order: a defense of
    # one's own sorted before DP-SGD replaced its accounting, the DP figures lost)
    reporters = [d for d in defenses if callable(getattr(d, "privacy_report", None))]
    if len({d.name for d in reporters}) > 1:  # (one name twice is said above)
        named = " and ".join(f"{d.name} ({type(d).__module__}.{type(d).__qualname__})"
                             for d in reporters)  # fmt: skip
        problems.append(
            f"{named} each report the run's privacy (a privacy_report), and results.json's "
            "privacy holds one report; keep one of them"
        )
    if reference_size is not None and reference_size == 0:
        needy = [d.name for d in defenses if d.needs_reference]
        if needy:
            problems.append(
                f"{needy} need data outside the membership population: set "
                "plan.reference_size (e.g. plan.reference_size=300)"
            )
    student_batch = next((getattr(d, "batch_size", None) for d in defenses
                          if d.name == "distillation"), None)  # fmt: skip
    if reference_size and student_batch is not None and student_batch > reference_size:
        # (as train.batch_size beyond the members: the students took one batch an epoch)
        problems.append(
            f"defense.distillation.batch_size={student_batch} is larger than the reference "
            f"split the students train on ({reference_size} samples); lower it or raise "
            "plan.reference_size"
        )
    if problems:
        raise ConfigError("defense: " + "; ".join(problems))


def warn_unaccounted_beside_dp(
    defenses: Sequence[TrainingDefense], dataset: Mapping[str, Any], *,
    one_hot_columns: Sequence[str] | None = None,
) -> None:
    """Say before training that DP-SGD's ε will be no guarantee (results.json's
    ``privacy.epsilon_valid`` false), once for each reason: defenses of the user's own
    beside it, features scaled with statistics of the members (``dataset``: the run's
    dataset config) or text columns one-hot encoded with the categories the members hold
    (``one_hot_columns``: the loaded `Dataset`'s). Once a run: the pipeline calls it;
    `check_defenses` runs at each build of the stack."""
    if not any(d.name == "dp" for d in defenses):
        return  # (before the imports: dp's loads the DP-SGD defense, a run without needs none)
    from mia_defense.defenses.dp import foreign_defenses_reason  # (loaded with DPSGD)
    from mia_defense.defenses.dp_preprocessing import preprocessing_reason

    for reason in (foreign_defenses_reason(defenses),
                   preprocessing_reason(dataset, one_hot_columns=one_hot_columns)):
        if reason is not None:
            log.warning("defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): "
                        "%s", reason)  # fmt: skip


# Built-in defenses at the setting where they do nothing: the setting, what it then does
# (nothing) and the fix. A sweep of smoothing=0,0.1,0.2 ranks its first point as a
# label_smoothing defense, as release.k equal to the classes ranked a full release as top-k.
_INACTIVE = {
    "label_smoothing": ("smoothing", "smooths no label (the loss is plain cross-entropy)",
                        "choose defense.label_smoothing.smoothing in (0, 1), e.g. 0.1"),
    "dropout": ("p", "drops no feature", "choose defense.dropout.p in (0, 1), e.g. 0.5"),
    "weight_decay": ("coefficient", "adds no penalty",
                     "choose defense.weight_decay.coefficient > 0, e.g. 0.005"),
    "advreg": ("strength", "gives the inference model's gain no weight in the loss",
               "choose defense.advreg.strength > 0, e.g. 3"),
}  # fmt: skip

# A setting below float32's precision (FLOAT32_ROUNDOFF, 2^-24 of 1, in which the models
# train) acts as 0, unsaid where 0 is said (`_INACTIVE`): what it does, and what it gave.
_UNDEFENDED_ALIKE = ("digits, K=4, 10 epochs at 1e-9: the undefended run's train loss and "
                     "test accuracy, bit for bit")  # fmt: skip
_NEGLIGIBLE = {
    "label_smoothing": ("moves the targets off the one-hot labels by less than float32 shows",
                        _UNDEFENDED_ALIKE),
    "dropout": ("drops fewer than one hidden feature in 2^24", _UNDEFENDED_ALIKE),
    # (the game still draws its reference records, so not the undefended run's batches)
    "advreg": ("weighs the inference model's gain (at most 1) beside the cross-entropy by "
               "less than float32 shows", "digits, K=4, 3 epochs at 1e-9 and 1e-12: the train "
               "loss and test accuracy of a game whose gain gives no gradient at all, bit for "
               "bit"),
}  # fmt: skip


def warn_inactive_defenses(
    defenses: Sequence[TrainingDefense], *, num_classes: int | None = None
) -> None:
    """Say before training when a built-in defense's setting makes it do nothing
    (`inactive_setting`): the models train as without it, while results.json and mia-report
    name the run by the defense (they list it as one that did not act); and (``num_classes``:
    C) when RelaxLoss holds the members' loss at or above ln C, a uniform guess's
    (`_relaxloss_above_chance`). Once a run: the pipeline calls it."""
    for defense in defenses:
        if num_classes and defense.name == "relaxloss":
            _relaxloss_above_chance(defense, num_classes)
        parts = _inactive_parts(defense)
        if parts is not None:
            log.warning("%s while results.json and mia-report name the run by it (they list it "
                        "as a defense that did not act); %s", *parts)  # fmt: skip


def inactive_setting(defense: TrainingDefense) -> str | None:
    """Why a built-in defense does nothing at its setting, or ``None``: at 0
    (``defense.label_smoothing.smoothing=0``, ``defense.dropout.p=0``,
    ``defense.weight_decay.coefficient=0``, ``defense.advreg.strength=0``), or a smoothing,
    ``p`` or advreg strength below float32's precision (`_NEGLIGIBLE`).
    `warn_inactive_defenses` says it before training; results.json's
    ``training.defenses_idle`` records it."""
    parts = _inactive_parts(defense)
    return None if parts is None else "; ".join(parts)


def _inactive_parts(defense: TrainingDefense) -> tuple[str, str] | None:
    """`inactive_setting`'s reason in two: what the setting does, and the fix."""
    entry = _INACTIVE.get(defense.name)
    if entry is None or not type(defense).__module__.startswith("mia_defense."):
        return None
    key, what, fix = entry
    value = getattr(defense, key, None)
    fix = f"{fix} (or drop the defense)"
    if value == 0:
        return (f"defense.{defense.name}.{key}=0: {what}, so the {defense.name} defense does "
                "nothing", fix)  # fmt: skip
    if defense.name in _NEGLIGIBLE and isinstance(value, float) and (
        0 < value < FLOAT32_ROUNDOFF
    ):
        return (
            f"defense.{defense.name}.{key}={value:g}: below float32's precision (2^-24 = "
            f"{FLOAT32_ROUNDOFF:.3g}; the models train in float32), it "
            f"{_NEGLIGIBLE[defense.name][0]}, so the {defense.name} defense does next to "
            f"nothing ({_NEGLIGIBLE[defense.name][1]})", fix,
        )  # fmt: skip
    return None


def warn_dropout_twice(defenses: Sequence[TrainingDefense], *, model: Mapping[str, Any]) -> None:
    """Say before training when the dropout defense runs beside a built-in model's own
    dropout (``model``: the run's model config, ``model.dropout``): both drop the same hidden
    features one after the other (the model's ``nn.Dropout`` after each hidden activation,
    the defense's hook on the next layer's input), so ``defense.dropout.p=0.5`` with
    ``model.dropout=0.5`` kept a quarter of them, and a sweep of ``defense.dropout.p`` swept
    other rates than it named. A warning, not a refusal: a baseline with the model's dropout
    beside the defense added to it is a fair comparison. Once a run: the pipeline calls it."""
    ours = [d for d in defenses if d.name == "dropout"
            and type(d).__module__.startswith("mia_defense.")]  # fmt: skip
    rate, p = model.get("dropout"), getattr(ours[0], "p", 0) if ours else 0
    if not (isinstance(rate, numbers.Real) and not isinstance(rate, bool) and rate > 0 and p
            and str(model.get("_target_", "")).startswith("mia_defense.models.")):  # fmt: skip
        return
    kept = (1 - rate) * (1 - p)
    log.warning(
        "defense.dropout.p=%g beside model.dropout=%g: the model's own dropout and the "
        "defense's both drop its hidden features, one after the other, so each is kept with "
        "probability (1 - %g)(1 - %g) = %.4g, as one dropout at rate %.4g, not %g; set "
        "model.dropout=0 to train at the defense's rate (and compare defense.dropout.p's "
        "rates), or leave out defense=dropout to tune model.dropout alone",
        p, rate, rate, p, kept, 1 - kept, p,
    )  # fmt: skip


def _relaxloss_above_chance(defense: TrainingDefense, num_classes: int) -> None:
    """RelaxLoss ascends the members' loss whenever it falls below ``alpha``: at or above
    ln C, the loss of a uniform guess over C classes, that holds the models where a guess
    is (digits, alpha=3 > ln 10: test accuracy 0.065, chance 0.112; breast_cancer, alpha=1 >
    ln 2: 0.114, chance 0.601, 10 epochs), and the run ended with no privacy verdict and no
    word of why."""
    alpha = getattr(defense, "alpha", None)
    chance = math.log(num_classes) if num_classes > 1 else 0.0
    ours = type(defense).__module__.startswith("mia_defense.")
    if not ours or not isinstance(alpha, numbers.Real) or alpha < chance:
        return
    log.warning(
        "defense.relaxloss.alpha=%g: at or above ln %d = %.4g, the loss of a uniform guess "
        "over the dataset's %d classes: RelaxLoss ascends the members' loss whenever it falls "
        "below alpha, so it holds the models no better than a guess (or towards wrong labels), "
        "where a run gets no privacy verdict; choose alpha below %.4g (the default 0.5 on "
        "most datasets)",
        alpha, num_classes, chance, num_classes, chance,
    )  # fmt: skip


def warn_meaningless_clip_norm(
    defenses: Sequence[TrainingDefense], *, norms: Sequence[float] = (), optimizer: Any = None,
    batch_size: int = 1,
) -> None:
    """Say before training when DP-SGD's clipping norm makes the run meaningless
    (`DPSGD.clip_norm_problem`): 1e-12 or 1e12 trained models that learned nothing without
    a word. ``norms``: the model's per-sample gradient norms at its initial weights
    (`initial_grad_norms`), ``optimizer``: train.optimizer, ``batch_size``: train.batch_size.
    Once a run: the pipeline calls it."""
    from mia_defense.defenses.dp import DPSGD

    adaptive = steps_scale_free(optimizer)
    for defense in defenses:
        problem = defense.clip_norm_problem(
            norms, adaptive=adaptive, batch_size=batch_size
        ) if isinstance(defense, DPSGD) else None  # fmt: skip
        if problem is not None:
            log.warning("%s", problem)


# torch.optim's optimisers whose steps do not grow with the gradients' size (Adam's kin divide
# by a running norm, Rprop keeps the sign), and those whose steps do (lr times the gradient).
_SCALE_FREE = frozenset({"adam", "adamw", "adamax", "nadam", "radam", "adagrad", "adadelta",
                         "rmsprop", "rprop", "sparseadam"})  # fmt: skip
_SCALED = frozenset({"sgd", "asgd"})


def steps_scale_free(optimizer: Any) -> bool | None:
    """Whether train.optimizer (``adam``, ``sgd``, or a ``{_target_: torch.optim.X}`` node)
    takes steps whose size does not follow the gradients' (a small clipping norm is then
    harmless), ``None`` for an optimiser not known here."""
    target = optimizer.get("_target_") if isinstance(optimizer, Mapping) else optimizer
    name = str(target or "").rsplit(".", 1)[-1].lower()
    return True if name in _SCALE_FREE else False if name in _SCALED else None


def prepare_model(model: nn.Module, defenses: Sequence[TrainingDefense]) -> nn.Module:
    """Apply every defense's ``prepare_model`` to a freshly built model, in stack order."""
    for defense in defenses:
        model = defense.prepare_model(model)
        if not isinstance(model, nn.Module):
            raise ConfigError(
                f"defense {type(defense).__name__}: its prepare_model must return the model "
                f"(an nn.Module), not {type(model).__name__}"
            )
    return model


def check_order(defense: TrainingDefense) -> None:
    """A defense's ``order`` sorts the stack: it must be a finite number. A string or
    ``None`` beside another defense ended the run in sorted()'s TypeError, and NaN, which
    compares false with everything, left the defense where the config put it (before
    DP-SGD, which must set up first). An integer is finite however large (math.isfinite of
    10**400 raised OverflowError: a traceback)."""
    order = defense.order
    if isinstance(order, bool) or not isinstance(order, numbers.Real) or (
        not isinstance(order, numbers.Integral) and not math.isfinite(order)
    ):
        cls = type(defense)
        raise ConfigError(
            f"defense {cls.__module__}.{cls.__qualname__}: its order {order!r} must be a "
            "finite number (lower sets up first: DP-SGD's is 0, mixup's 10, most defenses' "
            "50, distillation's 90); set the class attribute order, or leave it out for 50"
        )


class DefenseFactory:
    """Returns a fresh, ordered, checked stack of training defenses on every call.

    Defenses hold per-model state (accountants, best weights, an inference model), so
    each model gets its own. They are sorted by ``order`` (stable: ties keep the config
    order), so DP-SGD wraps the raw model, optimizer and loader first.

    Args:
        factories: zero-argument callables, one per defense (e.g. Hydra partials).
    """

    def __init__(self, factories: Sequence[Callable[[], TrainingDefense]] = ()) -> None:
        self.factories = list(factories)
        _refuse_stack(self())

    def __call__(self) -> list[TrainingDefense]:
        defenses = [factory() for factory in self.factories]
        for defense in defenses:
            if not isinstance(defense, TrainingDefense):
                raise ConfigError(
                    f"defense: {type(defense).__name__} is not a TrainingDefense; point its "
                    "_target_ at a subclass of mia_defense.defenses.TrainingDefense"
                )
            if len(defenses) > 1:  # (alone, it is never compared)
                check_order(defense)
        return sorted(defenses, key=lambda d: d.order)

    def __len__(self) -> int:
        return len(self.factories)
