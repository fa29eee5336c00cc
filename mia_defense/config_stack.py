"""`check_defense_stack`: the defense stack and the model refused whatever the data, before
the run directory is made (mia-train runs it after `mia_defense.config.check_config`): the
stack's own problems, its refusals of the training recipe, a one-run audit left without
canaries, a built-in model unfit for a dataset whose shape the config decides, gradient
canaries above the model's parameters, dropout on a model with nothing to drop."""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from typing import Any

import torch
from hydra._internal.utils import _locate
from omegaconf import DictConfig, OmegaConf

from mia_defense.config_nodes import _HYDRA_KEYS, build_dataclass
from mia_defense.defenses.base import TrainingDefense
from mia_defense.errors import ConfigError


def check_defense_stack(cfg: DictConfig) -> None:
    """Raise the `ConfigError` of a defense stack refused whatever the data: the stack's own
    problems (`check_defenses`: dp + mixup, a defense that needs ``plan.reference_size`` at
    0, ...), then each defense's refusal of the training recipe (its ``plan`` hook, its
    optimiser settings: `defense_optimizer_options`), then ``train.fit`` beside defenses or an
    engine (`check_user_fit`). A defense of the user's own (a `TrainingDefense` subclass by
    ``_target_``, whose module `check_config` has imported) is built too, as the pipeline
    builds it, and joins the stack's checks (its name, two losses, a reference split, its
    ``order``); its hooks are not called here. One that cannot be built is left out (the
    pipeline names what its constructor raised), and train.fit's refusal names it by its
    class's name. mia-train runs it after `check_config`, before the run directory is made;
    the pipeline checks all this again once the data is loaded (these were found only then,
    once the run directory held the run's log)."""
    from mia_defense.defenses.compose import check_defenses, check_order
    from mia_defense.defenses.contract import defense_optimizer_options
    from mia_defense.user_fit import check_user_fit

    node = cfg.get("defense")
    defenses: list[TrainingDefense] = []  # mia-defense's own
    stack: list[TrainingDefense] = []  # every one built, a user's too, in the config's order
    named: list[Any] = []  # the whole stack in order, a user's defense by its class's name
    for key in node if isinstance(node, DictConfig) else ():
        values = OmegaConf.to_container(node[key], resolve=True)
        target = _locate(values["_target_"]) if isinstance(values, dict) else None
        ours = isinstance(target, type) and target.__module__.startswith("mia_defense.")
        if not ours or not issubclass(target, TrainingDefense) or values.get("_partial_"):
            own = _own_defense(node[key], target, values)
            if own is not None:
                stack.append(own)
                named.append(own)
                continue
            # not built; the rest of the stack is still checked (a user's defense beside
            # dp + mixup skipped every check here, and the run folder kept the error's log)
            name = getattr(target, "name", None)
            named.append(types.SimpleNamespace(name=name if isinstance(name, str) else key))
            continue
        defenses.append(target(**{k: v for k, v in values.items() if k not in _HYDRA_KEYS}))
        stack.append(defenses[-1])
        named.append(defenses[-1])
    if len(stack) > 1:
        for defense in stack:
            check_order(defense)  # (a user's order of None or 'x': sorted()'s TypeError)
    if stack:
        size = OmegaConf.select(cfg, "plan.reference_size")
        check_defenses(stack, reference_size=size if isinstance(size, int) else None)
    if defenses:
        # their plan hooks' refusals of the recipe alone (early_stopping at train.epochs=1,
        # mixup at train.batch_size=1, an advreg warm-up as long as training); no member
        # counts yet (DP-SGD fixes its σ from them later, and does nothing without them)
        for defense in defenses:
            defense.plan(sizes=(), batch_size=cfg.train.batch_size, epochs=cfg.train.epochs)
    if defenses or OmegaConf.select(cfg, "train.fit") is not None:
        from mia_defense.training.config import TrainConfig

        train = build_dataclass(TrainConfig, cfg.train, key="train")
        defense_optimizer_options(defenses, train)  # a weight decay set twice, ...
        check_user_fit(train, defenses=named)
    _refuse_dropout_without_hidden(cfg, defenses)  # (train.fit beside a defense: said above)
    if len(stack) == len(named):  # (a defense not built may be a DP-SGD: left unjudged)
        _refuse_audit_without_canaries(cfg, stack)
    counted = _refuse_model_unfit_for_data(cfg)
    _refuse_gradient_canaries_over_params(cfg, stack, counted=counted)


def _refuse_audit_without_canaries(cfg: DictConfig, stack: list[TrainingDefense]) -> None:
    """``attack.audit=one_run`` with ``attack.audit_canaries=0`` leaves the audit to its
    white-box side, whose gradient canaries ride on DP-SGD's clipped sums in the stacked
    engine: without DP-SGD in the stack, or on ``train.engine=opacus``, both sides were
    skipped after training and the summary still advised 'a one-run audit
    (attack.audit=one_run)', the empty audit `_empty_audit` refuses for the other keys."""
    from mia_defense.defenses.dp import DPSGD

    if OmegaConf.select(cfg, "attack.audit") != "one_run" or OmegaConf.select(
        cfg, "attack.audit_canaries", default=0
    ) != 0:
        return
    dp = any(isinstance(defense, DPSGD) for defense in stack)
    if dp and OmegaConf.select(cfg, "train.engine") != "opacus":
        return
    why = ("train.engine=opacus (the gradient canaries ride on the stacked engine's clipped "
           "sums)" if dp else "no DP-SGD among the defenses (the gradient canaries ride on "
           "its clipped sums)")  # fmt: skip
    raise ConfigError(
        f"attack.audit=one_run with attack.audit_canaries=0 and {why}: the audit would have "
        "no canaries and audit nothing; give attack.audit_canaries (e.g. 100), or train "
        "with defense=dp on train.engine=stacked for the white-box side, or set "
        "attack.audit=none"
    )


def _known_input(cfg: DictConfig) -> tuple[tuple[int, ...], int] | None:
    """The input shape and classes of mia-defense's own datasets whose shape the config
    alone decides (sklearn's bundled ones, the synthetic ones, CIFAR): the ``known_input``
    of the loader's module (already imported by `_locate`), the one place that knows them;
    ``None`` for the others (a CSV's one-hot columns, an NPZ's arrays, a cut-down
    Purchase100: read only when loaded)."""
    node = cfg.get("dataset")
    try:
        target = _locate(str(node._target_))
        if not target.__module__.startswith("mia_defense.data"):
            return None
        known = getattr(sys.modules[target.__module__], "known_input", None)
        return None if known is None else known(target.__name__, node)
    except Exception:
        return None


def _refuse_model_unfit_for_data(cfg: DictConfig) -> int | None:
    """A built-in model refused for the data's shape (``model=cnn`` on digits' flat
    features: 'model=cnn needs images [C, H, W] ...'), known without loading the data
    (`_known_input`): it was refused once the data was loaded, after the run directory held
    the run's log. Built on the meta device (no weights: a millisecond); only the model's own
    `ConfigError` is raised here, its other failures are the pipeline's to name. Returns the
    parameters of the model it built (``None``: none built, or lazy ones), which
    `_refuse_gradient_canaries_over_params` counts instead of building it again."""
    node = cfg.get("model")
    try:
        values = OmegaConf.to_container(node, resolve=True) if isinstance(
            node, DictConfig) else None  # fmt: skip
        target = _locate(str(values.get("_target_"))) if isinstance(values, dict) else None
    except Exception:  # (an unresolvable value: check_config's to name)
        return None
    if not (isinstance(target, type) and target.__module__.startswith("mia_defense.models")):
        return None
    known = _known_input(cfg)
    if known is None:
        return None
    kwargs = {k: v for k, v in values.items() if k not in _HYDRA_KEYS}
    try:
        with torch.device("meta"):
            params = list(target(input_shape=known[0], num_classes=known[1], **kwargs)
                          .parameters())  # fmt: skip
    except ConfigError:
        raise
    except Exception:  # (its settings' own refusals are check_config's)
        return None
    if any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in params):
        return None
    return sum(p.numel() for p in params)


def _refuse_gradient_canaries_over_params(
    cfg: DictConfig, stack: list[TrainingDefense], *, counted: int | None = None
) -> None:
    """``attack.audit_gradient_canaries`` above the model's parameter count (each Dirac
    canary takes a coordinate of its own) was refused at DP-SGD's first step, in the run
    directory (``model=logistic defense=dp attack.audit=one_run``: 650 parameters on digits
    against the default 1000 canaries). Judged only where the white-box audit runs, on a
    dataset whose shape the config decides (`_known_input`), with the model counted on the
    meta device (`ModelBuilder.meta_parameter_count`, no weights: a few ms) unless
    ``counted`` gives them (`_refuse_model_unfit_for_data` built it already); every
    parameter counted, so a model with frozen ones is never refused wrongly here."""
    from hydra.utils import instantiate

    from mia_defense.defenses.dp import DPSGD
    from mia_defense.models import model_builder

    num = OmegaConf.select(cfg, "attack.audit_gradient_canaries")
    if (OmegaConf.select(cfg, "attack.audit") != "one_run"
            or OmegaConf.select(cfg, "attack.white_box") is not True
            or type(num) is not int or num < 1
            or OmegaConf.select(cfg, "train.engine") == "opacus"
            or OmegaConf.select(cfg, "train.fit") is not None
            or not any(isinstance(defense, DPSGD) for defense in stack)):  # fmt: skip
        return
    known = _known_input(cfg)
    if known is None:
        return
    try:
        build = model_builder(instantiate(cfg.model, _partial_=True))
        count = counted if counted is not None else build.meta_parameter_count(
            input_shape=known[0], num_classes=known[1])  # fmt: skip
    except Exception:  # (the model's own refusals: the pipeline's, with its message)
        return
    if count is not None and num > count:
        raise ConfigError(
            f"attack.audit_gradient_canaries={num}: the white-box audit's Dirac canaries "
            f"each need a parameter of their own, and model._target_={build.name} has "
            f"{count} on this dataset; lower it to at most {count} (e.g. "
            f"attack.audit_gradient_canaries={max(1, count // 2)}), or set "
            "attack.white_box=false for the black-box audit alone"
        )


def _refuse_dropout_without_hidden(cfg: DictConfig, defenses: Sequence[TrainingDefense]) -> None:
    """The dropout defense's `UnsupportedModelError` on a built-in model with no hidden
    features to drop (``model=logistic``, ``model.hidden=[]``, ``model=resnet``: one
    ``nn.Linear``), whose layers do not depend on the data: it was raised once the data was
    loaded, in the run directory. Built on a placeholder input (WRN-16-4: 50 ms, only beside
    the dropout defense); a model of one's own is left to the pipeline."""
    from mia_defense.defenses.regularization import Dropout
    from mia_defense.models import MLP

    dropout = next((d for d in defenses if isinstance(d, Dropout)), None)
    node = cfg.get("model")
    values = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else None
    if dropout is None or not isinstance(values, dict):
        return
    target = _locate(str(values.get("_target_")))
    if not (isinstance(target, type) and target.__module__.startswith("mia_defense.models")):
        return
    shape = (1,) if issubclass(target, MLP) else (1, 8, 8)  # (features; a grey image)
    kwargs = {k: v for k, v in values.items() if k not in _HYDRA_KEYS}
    try:
        model = target(input_shape=shape, num_classes=2, **kwargs)
    except Exception:  # (its settings' own refusals are check_config's)
        return
    dropout.prepare_model(model)


def _own_defense(node: DictConfig, target: Any, values: Any) -> TrainingDefense | None:
    """The user's defense of ``node`` built as the pipeline builds it (Hydra's partial,
    then called: nested ``_target_`` nodes built too; a print goes to stderr, as in the
    pipeline), or ``None``: not a `TrainingDefense` class, a ``_partial_`` node, or a
    constructor that raised anything but a `ConfigError` (the pipeline names it, once
    built)."""
    import contextlib

    from hydra.utils import instantiate

    if not (isinstance(target, type) and issubclass(target, TrainingDefense)) or (
        not isinstance(values, dict) or values.get("_partial_")
    ):
        return None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            defense = instantiate(node, _partial_=True)()
    except ConfigError:
        raise  # (the pipeline raises it as it is)
    except Exception:
        return None
    return defense if isinstance(defense, TrainingDefense) else None
