"""Build models from config: ours or any user's ``torch.nn.Module`` named by ``_target_``.

The dataset supplies ``input_shape`` and ``num_classes``; they are passed only to
constructors that accept them, so a user's class may take whatever arguments it likes and
the config supplies the rest.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import logging
import re
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from mia_defense.constraints import show
from mia_defense.errors import (
    ConfigError,
    MiaDefenseError,
    UnsupportedModelError,
    first_few,
    first_line,
    out_of_memory,
)
from mia_defense.models.alike import state_difference
from mia_defense.models.probes import (
    own_state,
    stale_after_a_step,
    state_changes,
    state_outside,
    written_through,
)
from mia_defense.observations import looks_like_probabilities
from mia_defense.seeding import seed_global_torch

__all__ = [
    "ModelBuilder",
    "answers_at_random",
    "attributes_changed",
    "beyond_float32",
    "changed_in_forward",
    "check_first_batch_logits",
    "check_model_output",
    "logits_problem",
    "model_builder",
    "refuse_sparse_gradients",
    "sparse_step_refusal",
    "stacking_failure",
]

_DATA_ARGS = ("input_shape", "num_classes")
# float32's largest value: the released outputs and the attacks' signals are float32.
_FLOAT32_MAX = float(torch.finfo(torch.float32).max)

log = logging.getLogger(__name__)


def _bytes(text: str) -> str:
    """An allocation's size as torch says it, ``'256000000000000 bytes'``, in a unit one
    reads (``'256 TB'``); other words (CUDA's ``'20.00 GiB'``) as they are."""
    if not text.endswith(" bytes"):
        return text
    count = float(text.split()[0])
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if count < 1000 or unit == "PB":
            return f"{count:.3g} {unit}"
        count /= 1000
    return text


def _target_name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


class ModelBuilder:
    """``builder(input_shape=..., num_classes=...)`` returns a fresh module.

    Arguments are checked against the constructor's signature when the builder is made (before
    any training); the first module built is also checked on a dummy batch.
    """

    def __init__(self, factory: Callable[..., Any]) -> None:
        if isinstance(factory, functools.partial):
            func, args, keywords = factory.func, factory.args, dict(factory.keywords)
        else:
            func, args, keywords = factory, (), {}
        self.func, self.args, self.keywords = func, args, keywords
        self.name = _target_name(func)
        self._passes: tuple[str, ...] = _DATA_ARGS
        self._named: frozenset[str] = frozenset(_DATA_ARGS)  # the constructor's own names
        self._checked = False
        # the dtype of the first model's logits (its check's): a divergence names float16's
        self.logits_dtype: torch.dtype | None = None
        # the first model's trainable parameters its check found no gradient reaching
        # (`NO_GRADIENT`; results.json's training.parameters_without_gradient), None unchecked
        self.no_gradient: list[str] | None = None
        # per (input_shape, num_classes): the parameters' shapes of the first model built
        self._shapes: dict[tuple[object, ...], list[tuple[str, tuple[int, ...]]]] = {}
        self._trains: dict[tuple[object, ...], list[tuple[str, bool]]] = {}
        # the tensors of the models built so far, by id, while they live
        self._built: weakref.WeakValueDictionary[int, torch.Tensor] = (
            weakref.WeakValueDictionary()
        )
        self._inspect()

    def _inspect(self) -> None:
        try:
            params = inspect.signature(self.func).parameters
        except (TypeError, ValueError):  # builtins without a signature: pass everything
            return
        only = [a for a in _DATA_ARGS
                if a in params and params[a].kind is inspect.Parameter.POSITIONAL_ONLY]
        if only:  # (a TypeError at build time: 'positional-only arguments passed as keyword')
            raise ConfigError(
                f"model._target_={self.name} takes {only[0]} as a positional-only argument "
                f"(before '/' in its signature); mia-defense passes {', '.join(_DATA_ARGS)} by "
                "name: drop the '/'"
            )
        var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        named = {n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_POSITIONAL}
        self._passes = tuple(a for a in _DATA_ARGS if a in named or var_kw)
        self._named = frozenset(named)
        clashes = [a for a in self._passes if a in self.keywords]
        if clashes:
            raise ConfigError(
                f"model._target_={self.name}: remove model.{clashes[0]} from the config; it is "
                "taken from the dataset"
            )
        if not var_kw:
            unknown = sorted(set(self.keywords) - named)
            if unknown:
                raise ConfigError(
                    f"model._target_={self.name} takes no argument(s) {unknown} (accepted: "
                    f"{sorted(named)}). They may be left over from the default model config: "
                    "start from `model=custom model._target_=...` and add your own with "
                    "`+model.NAME=VALUE`"
                )
        try:
            inspect.signature(self.func).bind_partial(*self.args, **self.keywords)
        except TypeError as exc:
            raise ConfigError(f"model._target_={self.name}: {exc}") from None
        missing = [
            n
            for n, p in list(params.items())[len(self.args):]
            if p.default is inspect.Parameter.empty
            and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
            and n not in self.keywords
            and n not in self._passes
        ]
        if missing:
            raise ConfigError(
                f"model._target_={self.name} requires argument(s) {missing}; set them with "
                + " ".join(f"+model.{n}=..." for n in missing)
            )

    def _construct(self, *, input_shape: Sequence[int], num_classes: int) -> Any:
        """What the constructor returns for the dataset's shape and classes, unchecked."""
        data = {"input_shape": tuple(input_shape), "num_classes": int(num_classes)}
        return self.func(*self.args, **{**self.keywords, **{k: data[k] for k in self._passes}})

    def _memory_refusal(self, exc: BaseException, data: dict[str, Any]) -> ConfigError:
        """The refusal of a build that ran out of memory (a buffer of +model.width=10**12
        drawn when built, which the meta count cannot see): the size asked for and the
        model.* settings given, to make smaller; torch's allocator text ('[enforce fail at
        alloc_cpu.cpp:127] ... Error code 12') is left out."""
        asked = re.search(r"allocate (\d+ bytes|[\d.]+ [KMGTP]iB)", str(exc))
        size = f" (it asked for {_bytes(asked.group(1))})" if asked else ""
        given = ", ".join(f"model.{k}={show(v)}" for k, v in self.keywords.items())
        sizes = {k: v for k, v in self.keywords.items() if type(v) is int}
        largest = f"e.g. a smaller model.{max(sizes, key=sizes.__getitem__)}" if sizes else (
            "smaller widths, fewer layers")
        passed = ", ".join(f"{k}={data[k]!r}" for k in self._passes)
        return ConfigError(
            f"model._target_={self.name}: building the model ran out of memory{size} "
            + (f"with {given}: give it smaller model.* settings ({largest})" if given else
               f"with {passed or 'no arguments'}: its constructor's own sizes are too large")
            + " for this machine's memory"
        )

    def meta_parameter_count(self, *, input_shape: Sequence[int], num_classes: int) -> int | None:
        """The parameters of the model this builds, counted on a build on the meta device
        (no memory, no weights, no model checks), so the memory check refuses a model of 1e9
        parameters in a second (it was built first: 52 s, 9 GB). ``None`` for a factory
        function (it may cache what it built: a meta model, then), or where the class
        cannot be built on the meta device or has lazy parameters: build it."""
        if not (inspect.isclass(self.func) and issubclass(self.func, nn.Module)):
            return None
        try:
            with (torch.device("meta"), torch.random.fork_rng(devices=[]),
                  contextlib.redirect_stdout(sys.stderr)):  # stdout: the results table only
                model = self._construct(input_shape=input_shape, num_classes=num_classes)
            params = list(model.parameters())
        except Exception:
            return None
        if any(isinstance(p, nn.parameter.UninitializedParameter) for p in params):
            return None
        return sum(p.numel() for p in params)

    def __call__(self, *, input_shape: Sequence[int], num_classes: int) -> nn.Module:
        data = {"input_shape": tuple(input_shape), "num_classes": int(num_classes)}
        try:
            model = self._construct(**data)
        except MiaDefenseError:
            raise
        except Exception as exc:
            if out_of_memory(exc):
                raise self._memory_refusal(exc, data) from exc
            said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""  # (torch's C++
            unnamed = [a for a in self._passes if a not in self._named and f"'{a}'" in said]
            if isinstance(exc, TypeError) and unnamed:
                raise ConfigError(
                    f"model._target_={self.name}: building the model failed ({said}): its "
                    f"constructor takes **kwargs, so mia-defense passed it {unnamed[0]} (from "
                    f"the dataset), which it handed on to a call that takes none; name it "
                    f"in the constructor ({unnamed[0]}=None) or take it out of the kwargs "
                    "before passing them on"
                ) from exc
            # (what _construct gave it: an int input_shape expected failed in torch's words)
            passed = ", ".join(f"{k}={data[k]!r}" for k in self._passes)
            hint = (" (input_shape is a tuple, one sample's shape: nn.Linear(math.prod("
                    "input_shape), ...) takes its features)" if "input_shape" in self._passes
                    else "")  # fmt: skip
            raise ConfigError(  # errors go on with 'Exception raised from' and 40 stack frames)
                f"model._target_={self.name}: building the model failed "
                f"({exc.__class__.__name__}: {said}); "
                + (f"mia-defense called it with {passed} from the dataset{hint}: check "
                   "its constructor against them, and the model.* settings" if passed
                   else "check the model.* settings")
            ) from exc
        if not isinstance(model, nn.Module):
            raise ConfigError(
                f"model._target_={self.name} returned {type(model).__name__}, not a "
                "torch.nn.Module"
            )
        if not self._checked:
            self.logits_dtype, self.no_gradient = _check_output(
                model, input_shape=data["input_shape"], num_classes=num_classes, name=self.name
            )
            self._checked = True
        self._check_same_shapes(model, (data["input_shape"], data["num_classes"]))
        self._check_separate(model)
        return model

    def _check_separate(self, model: nn.Module) -> None:
        """Every model built must own its parameters and buffers: a constructor that hands
        out one module (a cached factory) or a layer kept at module level made the K models
        one, each trained in turn, so every model released the last one's outputs and the
        attacks were judged against K different masks (every figure at chance)."""
        tensors = [*model.named_parameters(remove_duplicate=False),
                   *model.named_buffers(remove_duplicate=False)]  # fmt: skip
        for name, tensor in tensors:
            if self._built.get(id(tensor)) is tensor:
                raise UnsupportedModelError(
                    f"model._target_={self.name} built a model whose {name!r} is the same "
                    "tensor as in a model it built before (one module returned every time, a "
                    "cached constructor, or a layer kept outside the constructor): the K models "
                    "must be separate, each trained on its own members; create every layer "
                    "and buffer in the constructor (a shared constant: register a copy, "
                    "e.g. CONSTANT.clone())"
                )
        for _, tensor in tensors:
            self._built[id(tensor)] = tensor

    def _check_same_shapes(self, model: nn.Module, data: tuple[object, ...]) -> None:
        """Every model built must have the first one's parameters and buffers: the reference
        models stand in for the target, and the engine stacks them (a constructor drawing its
        architecture, or a buffer's size, at random ended the run in torch.stack's
        traceback). A model with lazy parameters has no shapes yet to compare."""
        params = list(model.named_parameters())
        tensors = [*params, *model.named_buffers()]  # (a buffer's too: torch.stack's traceback)
        if any(isinstance(p, nn.parameter.UninitializedTensorMixin) for _, p in tensors):
            return
        shapes = [(n, tuple(p.shape)) for n, p in tensors]
        trains = [(n, p.requires_grad) for n, p in params]  # (stacked: torch.func's traceback)
        if self._shapes.setdefault(data, shapes) == shapes and (
                self._trains.setdefault(data, trains) != trains):  # fmt: skip
            name, was = next(t for t in self._trains[data] if t not in trains)
            raise UnsupportedModelError(
                f"model._target_={self.name} built models that train other parameters ({name}: "
                f"{'trained' if was else 'frozen'} in the first, {'frozen' if was else 'trained'}"
                " in another, by requires_grad): the reference models stand in for the target, "
                "so freeze no layer at random in its constructor"
            )
        if self._shapes[data] != shapes:
            first, now = dict(self._shapes[data]), dict(shapes)
            name = next((n for n in first if first[n] != now.get(n)), None) or next(iter(now))
            raise UnsupportedModelError(
                f"model._target_={self.name} built models of different shapes ({name}: "
                f"{list(first.get(name, ()))} in the first, {list(now.get(name, ()))} in "
                "another): it must build one architecture every time (the reference models "
                "stand in for the target), so draw no size at random in its constructor"
            )


def model_builder(factory: Callable[..., Any]) -> ModelBuilder:
    """Wrap a model class or ``functools.partial`` (from Hydra's ``_partial_``) as a builder."""
    return factory if isinstance(factory, ModelBuilder) else ModelBuilder(factory)


def check_model_output(
    model: nn.Module, *, input_shape: Sequence[int], num_classes: int, name: str = "model"
) -> torch.dtype:
    """`_check_output`'s checks; the dtype of the training-mode logits."""
    return _check_output(model, input_shape=input_shape, num_classes=num_classes, name=name)[0]


def _check_output(
    model: nn.Module, *, input_shape: Sequence[int], num_classes: int, name: str = "model"
) -> tuple[torch.dtype, list[str]]:
    """Run a batch of two zero samples in eval mode, then in training mode (what the first
    training step runs: a module may differ there); the model must return logits
    ``[2, num_classes]`` in both: floats, not probabilities (a final softmax), which the
    loss's and the attacks' softmax would squeeze towards uniform, understating the leak.
    Returns the dtype of the training-mode logits, and the names of the trainable
    parameters that got no gradient from them (`NO_GRADIENT`, warned, not refused).

    The training-mode output must carry a gradient (training must be able to change it).
    Runs without touching the global RNG, and puts back the buffers
    the training-mode pass updates (BatchNorm's statistics), so it changes neither the model
    nor the run's randomness.
    """
    frozen = [n for n, _ in model.named_parameters()]
    if frozen and not any(p.requires_grad for p in model.parameters()):
        raise UnsupportedModelError(
            f"model._target_={name}: every parameter of it is frozen (requires_grad=False: "
            f"{first_few(frozen, 3)}), so training "
            "cannot change it and the K models would be its initial weights; leave the "
            "layers it should learn trainable (a pretrained backbone: freeze the backbone, "
            "not its head)"
        )
    if not any(p.requires_grad for p in model.parameters()):
        raise UnsupportedModelError(  # (a layer made in forward was refused so, no fix said)
            f"model._target_={name} has no trainable parameters when built: training would "
            "change nothing; create the layers it learns in __init__ (nn.Linear at its size, "
            "or torch.nn.LazyLinear and its kin), not in forward"
        )
    meta = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if meta:  # no values to train or to load a checkpoint into
        raise UnsupportedModelError(
            f"model._target_={name} has tensors on the meta device ({', '.join(meta[:3])}): "
            "they hold no values; create its layers on the CPU (no device='meta') and let "
            "train.device choose where it trains"
        )
    try:  # (the engine and the probes copy it: torch's bare error came after the checks)
        fresh = copy.deepcopy(model)
    except Exception as exc:
        said = first_line(exc)
        raise UnsupportedModelError(
            f"model._target_={name} cannot be copied ({exc.__class__.__name__} from "
            f"copy.deepcopy: {said}): mia-defense copies a model to probe and train it; "
            "keep nothing on it that cannot be copied (torch.nn.utils.weight_norm, "
            "deprecated: use torch.nn.utils.parametrizations.weight_norm; a lock or an open "
            "file: create it where forward uses it)"
        ) from exc
    state = model.state_dict()
    extra = [key for key, value in state.items() if not isinstance(value, torch.Tensor)]
    if extra:  # a checkpoint holds tensors only (read with weights_only=True, no code run)
        raise UnsupportedModelError(
            f"model._target_={name} keeps {type(state[extra[0]]).__name__} {extra[0]!r} in its "
            "state dict (get_extra_state): checkpoints hold tensors only, and the run ended "
            "in an AttributeError traceback after training; keep that state in a tensor "
            "buffer (self.register_buffer) or as a plain attribute"
        )
    device = next(model.parameters()).device
    params = dict(model.named_parameters(remove_duplicate=False))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    before = own_state(model)  # (what the passes below set on the model: a cache, a count)
    for training, mode in ((False, ""), (True, " in training mode (model.train())")):
        try:
            with (_state_put_back(model), torch.random.fork_rng(devices=[]),
                  torch.set_grad_enabled(training),
                  contextlib.redirect_stdout(sys.stderr)):  # stdout: the results table only
                model.train(training)
                x = torch.zeros((2, *input_shape), device=device)
                unsaved = _unsaved_buffers(model)
                out = model(x)
                lost = [n for n, now in _unsaved_buffers(model).items()
                        if n in unsaved and not torch.equal(now, unsaved[n])]  # fmt: skip
                # (before the buffers are put back: BatchNorm's backward reads them)
                failed, unused = _backward(model, out) if training else (None, [])
        except Exception as exc:
            raise UnsupportedModelError(
                f"model._target_={name} fails{mode} on a batch of shape {[2, *input_shape]} "
                f"(the dataset's samples are {list(input_shape)}): "
                f"{exc.__class__.__name__}: {exc}"
            ) from exc
        if lost:  # (a copy trained on: a resumed run, a stored or loaded model, has another)
            raise UnsupportedModelError(
                f"model._target_={name} updates its buffer {lost[0]!r} in forward{mode}, "
                "registered with persistent=False: checkpoints do not hold it, so a resumed "
                "run, a model taken from the store and a loaded one answer with its initial "
                "value, not the trained one; register it persistent (register_buffer's "
                "default), or leave it unchanged by forward"
            )
        made = sorted(set(dict(model.named_parameters(remove_duplicate=False))) - set(params))
        if made:  # built after the optimiser, from the global RNG: they would never train
            raise UnsupportedModelError(
                f"model._target_={name} creates parameter(s) {made[:3]} in forward{mode}: the "
                "optimiser, made before the first batch, would never train them; create them "
                "in __init__ (or use torch.nn.LazyLinear and its kin)"
            )
        if x._version:  # the run's batches and queries are views of its data
            raise UnsupportedModelError(
                f"model._target_={name} modifies its input in place{mode} (e.g. x.mul_(), "
                "x[...] = ..., an inplace=True first layer): it would change the run's data "
                "under it; compute a new tensor instead (x = x * 2)"
            )
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, num_classes):
            shape = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise UnsupportedModelError(
                f"model._target_={name} returns {shape}{mode} for a batch of 2, expected "
                f"logits [2, {num_classes}] (one per class)"
            )
        problem = logits_problem(out, mode=mode)
        if problem:
            raise UnsupportedModelError(f"model._target_={name} {problem}")
        if training and (not out.requires_grad or unused == trainable):
            raise UnsupportedModelError(  # (all unused: a graph through a leaf of its own)
                f"model._target_={name} returns outputs{mode} that no trainable parameter "
                "shapes (detached, computed under torch.no_grad(), or from a detached copy of "
                "its weights, self.w = self.fc.weight.detach()): training cannot change "
                "them; return the logits as computed from its parameters"
            )
        if failed is not None:
            said = first_line(failed).split(" Hint:")[0]
            raise UnsupportedModelError(
                f"model._target_={name}: the backward pass through its outputs{mode} fails "
                f"({failed.__class__.__name__}: {said}), so no engine can train it; fix its "
                "forward so that a loss of its logits can be differentiated (often an in-place "
                "op on a tensor autograd keeps for the backward pass, h.relu_() then "
                "h.add_(1): compute a new tensor instead, h = h + 1)"
            ) from failed
    kept = state_changes(before, own_state(model))
    unrun = copy.deepcopy(fresh) if kept else None  # (_second_step_error runs fresh)
    if kept and (failed := _second_step_error(fresh, input_shape)):
        raise UnsupportedModelError(
            f"model._target_={name}: its second training step fails where the first passes "
            f"({failed}): its forward keeps a tensor computed from its weights across passes "
            f"({first_few(kept, 3)}), whose graph the first step's backward pass freed; "
            "compute it anew in every forward, or keep it detached (value.detach())"
        )
    if unrun is not None and stale_after_a_step(unrun, input_shape):
        raise UnsupportedModelError(
            f"model._target_={name}: once an optimiser step moves its weights, it answers "
            "otherwise than a model holding the moved weights: its forward keeps a value "
            f"computed from its weights at its first call "
            f"({first_few([f'self.{k}' for k in kept], 3)}: a copy, as "
            "self.w = self.fc.weight.t().contiguous()), which later passes read, so training "
            "would move weights its output no longer follows, and a saved model (its weights "
            "alone) would answer otherwise than the one trained; compute it anew in every "
            "forward"
        )
    if unused:  # (a head defined but not used may be meant: said, not refused)
        log.warning(NO_GRADIENT, f"model._target_={name}", first_few(unused, 3, more=True))
    if answers_at_random(model, input_shape):
        log.warning(RANDOM_ANSWERS, f"model._target_={name}")
    if outside := state_outside(model, input_shape):
        log.warning(STATE_OUTSIDE, f"model._target_={name}", first_few(outside, 3))
    return out.dtype, unused


def _second_step_error(model: nn.Module, input_shape: Sequence[int]) -> str | None:
    """torch's error (``"RuntimeError: ..."``) where the second of two training-mode passes
    and backward passes of ``model`` (a fresh copy: no pass run yet) on zeros fails, or
    ``None``. A forward caching a value of its weights at its first call (``self.cache =
    self.fc.weight.norm()``) passes the eval-mode checks (set there without a graph), then
    fails at the second training step ('Trying to backward through the graph a second
    time') under either engine."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    x = torch.zeros((2, *input_shape), device=trainable[0].device)
    try:
        with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(sys.stderr):
            for _ in range(2):
                torch.autograd.grad(model.train()(x).float().sum(), trainable, allow_unused=True)
    except Exception as exc:
        return f"{type(exc).__name__}: {first_line(exc)[:120]}"
    return None


def _backward(model: nn.Module, out: object) -> tuple[Exception | None, list[str]]:
    """A backward pass through ``model``'s training-mode logits ``out`` (its ``.grad`` left
    untouched): its error, or ``None``, and the names of the trainable parameters that got
    no gradient from it (none where it failed, or ``out`` has no graph).

    The error: an in-place op on a tensor autograd saved (``h.relu_(); h.add_(1)``) passed
    every check, then each engine ended in torch's bare RuntimeError traceback at the first
    step (the stacked one after blaming torch.func in a 'training models one at a time'
    warning). The parameters: a forward computing its output from a detached alias of a
    weight (``self.w = self.fc.weight.detach().t()``, same storage) trained with that weight
    frozen, silently (test accuracy 0.137 on digits, then an attack's verdict on a model
    that never learnt), where the run's check after training (no weight changed) caught
    only a model none of whose weights moved."""
    if not (isinstance(out, torch.Tensor) and out.is_floating_point() and out.requires_grad):
        return None, []  # (refused below for what it is)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    try:
        grads = torch.autograd.grad(out.float().sum(), [p for _, p in trainable],
                                    allow_unused=True)  # fmt: skip
    except Exception as exc:
        return exc, []
    return None, [n for (n, _), g in zip(trainable, grads, strict=True) if g is None]


def refuse_sparse_gradients(model: nn.Module) -> None:
    """Raise `UnsupportedModelError` for a layer of ``model`` with sparse gradients
    (``nn.Embedding``/``nn.EmbeddingBag`` with ``sparse=True``): the built-in engines' first
    step ended in torch's traceback ('Adam does not support sparse gradients'; DP-SGD's
    clipping's 'SparseCPU'). A ``train.fit`` of the user's own may step them: not called."""
    sparse = [(n, m) for n, m in model.named_modules() if getattr(m, "sparse", None) is True]
    if sparse:
        name, layer = sparse[0]
        raise UnsupportedModelError(
            f"model._target_={_target_name(type(model))}: its layer {name!r} "
            f"({type(layer).__name__}) has sparse=True, and its sparse gradients are stepped by "
            "neither engine (their optimisers and DP-SGD's clipping take dense ones); build "
            "it with sparse=False, or train the models with a train.fit of your own"
        )


def sparse_step_refusal(
    build: Callable[[], nn.Module], exc: BaseException
) -> UnsupportedModelError | None:
    """`refuse_sparse_gradients`'s refusal for a forward making sparse gradients by a call of
    its own (``F.embedding(..., sparse=True)``: no layer's flag says it), told by torch's
    error at the first step (the optimiser's 'does not support sparse gradients', or an op
    of DP-SGD's run on a 'SparseCPU'/'SparseCUDA' tensor), naming the model ``build`` makes;
    ``None`` for another error (nothing built)."""
    if not isinstance(exc, RuntimeError) or not re.search(
            r"does not support sparse gradients|'Sparse(CPU|CUDA)'", str(exc)):  # fmt: skip
        return None
    return UnsupportedModelError(
        f"model._target_={_target_name(type(build()))}: its forward makes sparse gradients "
        "(F.embedding or F.embedding_bag with sparse=True; torch: "
        f"{str(exc).splitlines()[0].split('. ')[0][:160]}), and sparse gradients are "
        "stepped by neither engine (their optimisers and DP-SGD's clipping take dense "
        "ones); call it with sparse=False, or train the models with a train.fit of your own"
    )


# Said of a model whose forward changes state outside it (`probes.state_outside`), with its
# name and the places changed.
STATE_OUTSIDE = (
    "%s changes %s at every forward call, outside the model (a counter in a global, a class "
    "attribute, a closure): the run's models share it whichever engine trains them (stacked, "
    "a chunk's models count one call per step; one at a time, each starts where the one "
    "before stopped; the checks' calls count too), so where its forward reads what an earlier "
    "call left there, no model trains as it would alone (what one call writes and then reads "
    "is harmless); keep that state on the model (self.steps: each holds its own)"
)
# Said of a model some of whose trainable parameters get no gradient from its training-mode
# outputs (`_backward`), with its name and theirs.
NO_GRADIENT = (
    "%s: its trainable parameter(s) %s get no gradient from its outputs in training mode, so "
    "training will not change them (they keep their initial values): where forward should "
    "use them, compute its output from the parameter itself, not from a detached copy or "
    "alias (self.w = self.fc.weight.detach(), .data); where they are unused on purpose (a "
    "head the model does not call), set requires_grad=False on them or drop them"
)
# Said of a model whose eval-mode outputs are random (`answers_at_random`), with its name.
RANDOM_ANSWERS = (
    "%s answers the same input differently in eval mode (dropout or noise left on when "
    "queried): each query is asked once, as of a deterministic model, so that noise may "
    "hide part of the leak an attacker repeating the query would average away; make its "
    "eval-mode forward deterministic, or add the noise as a randomized release (release=noise)"
)


def answers_at_random(model: nn.Module, input_shape: Sequence[int]) -> bool:
    """Whether ``model`` in eval mode gives two random samples other outputs under other
    random draws (the global generator kept as it was, the buffers put back): dropout left
    on (``F.dropout(x, training=True)``), noise drawn in forward. ``False`` when it cannot run
    on them."""
    x = torch.randn((2, *input_shape), generator=torch.Generator().manual_seed(0))
    outs = []
    try:
        with _state_put_back(model):
            params = list(model.parameters())
            x = x.to(params[0].device) if params else x
            model.eval()
            for seed in (0, 1):
                with (torch.random.fork_rng(devices=[]), torch.no_grad(),
                      contextlib.redirect_stdout(sys.stderr)):
                    seed_global_torch(seed, [x.device])
                    outs.append(model(x))
        return not torch.allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6, equal_nan=True)
    except Exception:
        return False


def _unsaved_buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    """Copies of ``model``'s buffers registered with ``persistent=False``: left out of its
    state dict, so of its checkpoints (a cache forward recomputes alike is no loss)."""
    return {f"{prefix}.{n}".lstrip("."): m._buffers[n].detach().clone()
            for prefix, m in model.named_modules() for n in m._non_persistent_buffers_set
            if m._buffers.get(n) is not None}  # fmt: skip


@contextlib.contextmanager
def _state_put_back(model: nn.Module) -> Iterator[None]:
    """Run the block, then put back ``model``'s training mode and buffers (the statistics a
    training-mode pass updates, BatchNorm's): a check leaves the model as it found it."""
    was_training = model.training
    buffers = {key: value.clone() for key, value in model.named_buffers()}
    try:
        yield
    finally:
        model.train(was_training)
        with torch.no_grad():
            for key, value in model.named_buffers():
                if key in buffers:
                    value.copy_(buffers[key])


def logits_problem(out: torch.Tensor, *, mode: str = "", softmax_hint: str = "") -> str | None:
    """Why a module's output ``out`` (of the right shape) is no logits, or ``None``: integer
    values (class indices, votes), or probabilities (a final softmax), which the training
    loss's and the attacks' softmax squeezes towards uniform, understating the leak.
    ``mode``: said after "returns ..." (`` in training mode``); ``softmax_hint``: another
    way out, said after dropping the softmax."""
    if out.layout != torch.strided or out.is_meta:  # no values numpy can read
        kind = "tensor on the meta device" if out.is_meta else f"{out.layout} tensor"
        return (f"returns a {kind}{mode}, not logits: return a dense tensor of real values "
                "[batch, classes]")
    if out.is_complex():  # no argmax or rounding made them: the integers' advice misled
        return (f"returns {out.dtype} values{mode}, not logits (real floats, one per class): "
                "return a real score per class (e.g. the magnitude, out.abs(), or the real "
                "part, out.real, of its complex output)")
    if not out.is_floating_point():
        return (f"returns {out.dtype} values{mode}, not logits (floats, one per class): return "
                "the model's scores before any argmax or rounding")
    values = out.detach()
    if bool((torch.isnan(values) | torch.isposinf(values)).any()):  # (-inf: a class ruled out)
        return (f"returns NaN or +inf values{mode}, not logits: no loss or release can be "
                "computed from them; check its weights (diverged?) and forward (a log, sqrt or "
                "division of the inputs, an overflow)")
    largest = beyond_float32(values)
    if largest is not None:
        return (f"returns logits{mode} up to {largest:.3g} ({_dtype_name(values)}), "
                f"{_BEYOND_FLOAT32}")
    if looks_like_probabilities(out.detach().float().cpu().numpy()):
        return (f"returns probabilities{mode} (each output in [0, 1], summing to 1), not "
                "logits: a softmax on them (the training loss's, the attacks') squeezes them "
                "towards uniform, so the leak is understated; drop the model's final softmax "
                f"(log-probabilities are fine){softmax_hint}")
    return None


# Why logits beyond float32's range are refused, and the fix (`beyond_float32`).
_BEYOND_FLOAT32 = (
    f"beyond float32's largest value ({_FLOAT32_MAX:.2g}): mia-defense "
    "releases the outputs and computes the attacks' signals in float32, where they become "
    "+inf, so no release or attack could use them; scale the logits down in its forward "
    "(they are log-odds: a gap of 100 between two classes already gives the lower one a "
    "probability of 4e-44)"
)


def _dtype_name(values: torch.Tensor) -> str:
    return str(values.dtype).removeprefix("torch.")


def beyond_float32(logits: torch.Tensor) -> float | None:
    """The largest of ``logits`` where some finite one lies above float32's largest value
    (a float64 model's 1e40: finite there, +inf in the float32 released outputs and the
    attacks' signals), else ``None``. Values below float32's range become -inf, which a
    model may return for a class it rules out."""
    values = logits.detach()
    if not values.is_floating_point() or torch.finfo(values.dtype).max <= _FLOAT32_MAX:
        return None
    finite = values[torch.isfinite(values)]
    largest = float(finite.max()) if finite.numel() else None
    return largest if largest is not None and largest > _FLOAT32_MAX else None


def check_first_batch_logits(model: nn.Module, inputs: torch.Tensor, logits: torch.Tensor) -> None:
    """An `UnsupportedModelError` when ``model``'s ``logits`` on the run's first training
    batch ``inputs`` (the data as given, no defense's transform) are NaN or +inf at its
    initial weights: no step has been taken, so no learning rate caused it, yet the run
    stopped as 'diverged' with "likely cause: train.lr=0.001 (lower the learning rate
    first)". The model passed the check on a batch of zeros; real inputs break its forward."""
    largest = beyond_float32(logits)
    if largest is not None and bool(torch.isfinite(inputs).all()):
        name = f"{type(model).__module__}.{type(model).__qualname__}"
        raise UnsupportedModelError(
            f"model {name} returns logits up to {largest:.3g} ({_dtype_name(logits)}) on the "
            "run's first training batch, at its initial weights (before any optimiser step): "
            f"training did not diverge, but they lie {_BEYOND_FLOAT32}"
        )
    if not bool((torch.isnan(logits) | torch.isposinf(logits)).any()):
        return
    if not bool(torch.isfinite(inputs).all()):
        return  # the data's, not the model's (the run's data are checked for it)
    name = f"{type(model).__module__}.{type(model).__qualname__}"
    raise UnsupportedModelError(
        f"model {name} returns NaN or +inf logits on the run's first training batch, at its "
        "initial weights (before any optimiser step), so no learning rate causes it: it "
        "passed the check on a batch of zeros, so look in its forward for what real inputs "
        "break (a log or sqrt of the features, a division by them, an overflow)"
    )


def stacking_failure(
    model: nn.Module, input_shape: Sequence[int], err: Exception, *, eval_mode: bool = False
) -> str:
    """Why torch.func could not run ``model`` stacked (it raised ``err``; ``eval_mode``: in
    eval mode), for the warning that trains the models one at a time: a checkpointed model's
    was torch's 'Either your tensor may have escaped from inside a function being vmapped
    and this is a user error'; a lack of memory was said as torch.func's failure."""
    from mia_defense.models.validation import per_sample_grad_error, recomputed, recomputed_part

    name = type(model).__name__
    if out_of_memory(err):  # (stacked chunks hold more than the probe's: one at a time, said)
        return (f"two stacked copies of {name} on two samples ran out of memory "
                f"({type(err).__name__}: {first_line(err)}), so stacked chunks would not fit "
                "either: free memory for the run (fewer runs or other jobs at once) to stack them")
    if eval_mode:
        return (f"torch.func cannot run {name} in eval mode (model.eval(), as the engine "
                f"evaluates the models): {type(err).__name__}: {err}")
    device = next(model.parameters()).device
    failed = per_sample_grad_error(model, torch.zeros((2, *input_shape), device=device))
    if failed and recomputed(failed):
        what, fix = recomputed_part(failed)
        return f"torch.func cannot stack {name}: {what}; {fix} to stack them"
    return f"torch.func cannot run {name}: {type(err).__name__}: {first_line(err)}"


def attributes_changed(model: nn.Module, probe: nn.Module) -> str | None:
    """Why stacked copies of ``model`` would not train as each alone does: ``probe``, a copy
    run stacked, holds a plain attribute otherwise than ``model`` (a statistic of its batch
    in ``self.scale``, a step counter), which the K stacked models set at once, and share
    (such a model trained stacked, then stopped the run in observe with a raw RuntimeError
    on the tensor vmap left there); ``None``: none changed."""
    changed = state_difference(model, probe, copies=True)
    return changed and (
        f"{type(model).__name__}'s forward changes the model itself: after a "
        f"stacked call it {changed}, which stacked models would all share (set by all K at "
        "once), where each model alone keeps its own"
    )


def changed_in_forward(
    model: nn.Module, input_shape: Sequence[int], *, kinds: Sequence[str] = ("parameter", "buffer")
) -> tuple[str, str] | None:
    """``(kind, name)`` of the first of ``model``'s tensors of ``kinds`` (``"parameter"``,
    ``"buffer"``) that a training-mode forward of a copy of it on zeros changes in place,
    replaces or registers; ``None``: none does, or the model cannot run on zeros (its
    training names why). Version counters catch an in-place update that leaves the value
    as it was. Kind ``"attribute"``: a plain attribute the forward set, ``("attribute",
    how)`` with
    `mia_defense.models.alike.state_difference`'s ``how`` (``"holds another scale ..."``),
    or a value the copy's forward set on ``model`` itself (`probes.written_through`; put
    back). Read by the stacked engine (a buffer stacked models would not keep) and by DP-SGD (a
    statistic of the members outside its accounting)."""
    probe = copy.deepcopy(model).train()

    def tensors() -> dict[tuple[str, str], torch.Tensor]:
        found = {("parameter", n): t for n, t in probe.named_parameters()}
        found |= {("buffer", n): t for n, t in probe.named_buffers()}
        return {where: t for where, t in found.items() if where[0] in kinds}

    before = {where: (t, t._version) for where, t in tensors().items()}
    if not before:
        return None
    x = torch.zeros((2, *input_shape), device=next(model.parameters()).device)
    with written_through(model) as through:  # (a hook closing over self: DP's checks copy it)
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                probe(x)
        except Exception:
            probe = None
    if through and "attribute" in kinds:
        return "attribute", (f"set {first_few(through, 3)} of the model it was copied from, "
                             "as every copy would (a hook or function closing over self)")
    if probe is None:
        return None
    after = tensors()
    for where, (tensor, version) in before.items():
        now = after.get(where)
        if now is not tensor or now._version != version:
            return where
    made = [where for where in after if where not in before]  # (a buffer made in forward
    if made:  # from its first batch: trained stacked, the run ended in a raw vmap error)
        return made[0]
    if "attribute" in kinds and (changed := state_difference(model, probe, copies=True)):
        return "attribute", changed
    return None
