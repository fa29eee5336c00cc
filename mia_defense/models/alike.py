"""Whether K modules of one architecture run the same code on the same plain state.

A stacked ensemble runs the first model's module with each model's weights (the engine's
`mia_defense.training.stack.ModelStack`, the stacked query of `mia_defense.observe`): the
others' own hooks, an instance's own ``forward`` and their plain attributes are never run
or read. Both stack only models that `unlike` finds alike, and run the others one by one.
"""

from __future__ import annotations

import functools
import numbers
import types
import weakref
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["MODULE_INTERNALS", "state_difference", "unlike"]

# What every nn.Module holds in its __dict__ (its parameters, buffers, submodules, hooks):
# compared apart (shapes, layouts, hooks), not as plain state.
MODULE_INTERNALS = frozenset(vars(nn.Module()))
# Functions a forward may call from an attribute (an activation each model drew when built).
_CALLS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)
# The kinds of plain attributes `_state_difference` compares; other objects are left alone.
_PLAIN = (numbers.Number, str, bytes, torch.Tensor, torch.Generator, np.ndarray, list, tuple,
          dict, set, frozenset, *_CALLS)  # fmt: skip
# How deeply `_same_value` follows nested lists and mappings before calling them unalike.
_MAX_NESTING = 20


def unlike(models: Sequence[nn.Module]) -> str | None:
    """Why ``models`` (one architecture) cannot run stacked: a model runs other code or state
    than ``models[0]`` (``"models[2] holds another temperature (in <root>), where stacked
    models all run models[0]'s"``), or a recurrent layer, which torch.func cannot stack; or
    ``None``: all alike. Models scaling their logits by a temperature of their own were
    stacked with the first one's: released log-probabilities off by up to 3.5, and trained
    weights 0.18 from the same models trained one at a time."""
    first = models[0]
    fused = next(((n, m) for n, m in first.named_modules() if isinstance(m, nn.RNNBase)), None)
    if fused is not None and len(models) > 1:
        kind, where = type(fused[1]).__name__, _where(fused[0])
        return f"torch.func cannot stack nn.{kind}'s fused weights (in {where})"
    for k, model in enumerate(models[1:], start=1):
        why = _calls_difference(first, model) or state_difference(first, model)
        if why:
            return f"models[{k}] {why}, where stacked models all run models[0]'s"
    return None


def _where(name: str) -> str:
    return name or "<root>"


def _calls_difference(a: nn.Module, b: nn.Module) -> str | None:
    """How ``b`` runs other code around its layers than ``a``: other layers (a ``__repr__``
    of its own can hide them), other forward hooks or pre-hooks (functions, order, kwargs
    flags), or a ``forward`` set on one instance only; ``None``: the same. A hook every
    model shares (defense=dropout's) is the same."""
    named_a, named_b = list(a.named_modules()), list(b.named_modules())
    if [(k, _layer_type(m)) for k, m in named_a] != [(k, _layer_type(m)) for k, m in named_b]:
        return "has other layers"
    for (name, ma), (_, mb) in zip(named_a, named_b, strict=True):
        for hooks in ("_forward_pre_hooks", "_forward_hooks"):
            mine, theirs = getattr(ma, hooks, {}), getattr(mb, hooks, {})
            flags = f"{hooks}_with_kwargs"
            if len(mine) != len(theirs) or not all(
                _same_hook(x, y, ma, mb)
                for x, y in zip(mine.values(), theirs.values(), strict=True)
            ) or ([k in getattr(ma, flags, {}) for k in mine]
                  != [k in getattr(mb, flags, {}) for k in theirs]):  # fmt: skip
                return f"has other forward hooks (on {_where(name)})"
        if not _equal(vars(ma).get("forward"), vars(mb).get("forward")):
            made = ("torch.jit.script" if isinstance(ma, torch.jit.ScriptModule) else
                    "torch.compile" if hasattr(ma, "_orig_mod") else None)  # fmt: skip
            how = f": {made} compiles one for each model; leave it out to stack them"
            return f"has a forward of its own (on {_where(name)}{how if made else ''})"
    return None


def _layer_type(module: nn.Module) -> type:
    """``module``'s class; a parametrized layer's class before parametrization, which
    ``torch.nn.utils.parametrize`` makes anew for each instance (every model with a
    ``weight_norm`` layer was said to have 'other layers' than models[0] and trained one at
    a time; its parametrizations are layers of their own, compared as such)."""
    cls = type(module)
    return cls.__bases__[0] if nn.utils.parametrize.is_parametrized(module) else cls


def _same_hook(x: object, y: object, a: nn.Module, b: nn.Module) -> bool:
    """Whether hooks ``x`` of layer ``a`` and ``y`` of ``b`` are the same: equal, alike
    functions (a lambda each constructor registers, `_same_call`), or one method bound to
    each layer itself, as its ``forward`` is (nn.LazyLinear's; every lazy model was said to
    have 'other forward hooks' than models[0])."""
    if getattr(x, "__self__", None) is a and getattr(y, "__self__", None) is b:
        return getattr(x, "__func__", x) is getattr(y, "__func__", y)
    return _same_value(x, y)


def state_difference(a: nn.Module, b: nn.Module, *, copies: bool = False) -> str | None:
    """Which plain attribute ``b`` holds otherwise than ``a``, of the kinds a forward reads
    as state: numbers (numpy's too), strings, tensors not registered as buffers, torch
    generators, numpy arrays, and lists, tuples, sets and mappings of them (a step count,
    a temperature as np.float32, a list or an array); ``None``: the same. ``copies``: ``b``
    is a copy of ``a`` (run since), so each holding its own weights or layers again (nn.LSTM's
    flat weights, Opacus' DPLSTM cells) is alike."""
    if [name for name, _ in a.named_modules()] != [name for name, _ in b.named_modules()]:
        return "has other layers"  # (a layer a forward pass added: nothing to compare)
    for (name, ma), (_, mb) in zip(a.named_modules(), b.named_modules(), strict=True):
        mine, theirs = _plain_state(ma, copies), _plain_state(mb, copies)
        if mine.keys() != theirs.keys():
            other = ", ".join(sorted(mine.keys() ^ theirs.keys()))
            return f"holds other attributes ({other}, in {_where(name)})"
        for key, value in mine.items():
            if _same_value(value, theirs[key]):
                continue
            own = _own_members(value, ma)
            if own and own == _own_members(theirs[key], mb):
                if copies:
                    continue
                return (f"holds another {key} (in {_where(name)}: its own {own} again, in a "
                        f"plain {type(value).__name__}, as {_KEEPS_AGAIN[own]})")
            return f"holds another {key} (in {_where(name)})"
    return None


def _plain_state(module: nn.Module, copies: bool = False) -> dict[str, object]:
    """``module``'s plain attributes of the kinds `state_difference` compares (functions only
    between models built apart: a compiled layer sets ``get_compiler_config`` at its first
    call); torch.compile's own ``_torchdynamo_wrapper_id`` (set at the first call: a compiled
    layer was refused under DP-SGD as keeping a value from its pass) left out."""
    kinds = _PLAIN[: -len(_CALLS)] if copies else _PLAIN
    return {k: v for k, v in vars(module).items() if k not in MODULE_INTERNALS
            and not k.startswith("_torchdynamo") and isinstance(v, kinds)}  # fmt: skip


# Who keeps a module's own weights or layers again in a plain attribute (`_own_members`).
_KEEPS_AGAIN = {"weights": "nn.LSTM, nn.GRU and nn.RNN keep their flattened weights",
                "layers": "Opacus' DPLSTM, DPGRU and DPRNN keep their cells"}


def _own_members(value: object, module: nn.Module) -> str | None:
    """``"weights"`` where ``value`` is a list or tuple of ``module``'s own parameters (or
    weak references to them: nn.LSTM's ``_flat_weights``, ``_flat_weight_refs``),
    ``"layers"`` where one of its own submodules (Opacus' DPLSTM ``cells``); else ``None``."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    items = [item() if isinstance(item, weakref.ref) else item for item in value]
    if all(any(item is p for p in module.parameters()) for item in items):
        return "weights"
    if all(any(item is m for m in module.modules()) for item in items):
        return "layers"
    return None


def _same_value(a: object, b: object, depth: int = 0) -> bool:
    """Whether two plain attributes hold the same value, of the same type (NaN, and what
    cannot be compared, counts as unalike: the models are then run one by one)."""
    if type(a) is not type(b) or depth > _MAX_NESTING:
        return False
    if isinstance(a, torch.Generator) and isinstance(b, torch.Generator):
        return bool(torch.equal(a.get_state(), b.get_state()))
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        try:  # (a tensor a vmapped forward left in an attribute cannot be compared)
            return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
        except RuntimeError:
            return False
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and _equal(a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(
            _same_value(x, y, depth + 1) for x, y in zip(a, b, strict=True))  # fmt: skip
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same_value(a[k], b[k], depth + 1) for k in a)
    if isinstance(a, _CALLS) and a is not b:
        return _same_call(a, b, depth)
    return _equal(a, b)


def _same_call(a: object, b: object, depth: int) -> bool:
    """Whether two functions held as attributes (of one type) run the same code on the same
    values: a lambda each constructor makes (one code, alike defaults and closed-over values),
    a method of each model's own layer, a partial of alike ones. Models holding torch.relu and
    torch.tanh, drawn when built, were stacked: every model trained with models[0]'s."""
    if isinstance(a, functools.partial):
        return _same_value((a.func, a.args, a.keywords), (b.func, b.args, b.keywords), depth + 1)
    if isinstance(a, types.MethodType):
        return a.__func__ is b.__func__ and _same_held(a.__self__, b.__self__, depth)
    if not isinstance(a, types.FunctionType) or a.__code__ is not b.__code__:
        return False  # (a builtin: only itself)
    try:
        cells = [[c.cell_contents for c in f.__closure__ or ()] for f in (a, b)]
    except ValueError:  # (an empty cell)
        return False
    defaults = [(f.__defaults__, f.__kwdefaults__) for f in (a, b)]
    return _same_value(*defaults, depth + 1) and all(
        _same_held(x, y, depth) for x, y in zip(*cells, strict=True))


def _same_held(a: object, b: object, depth: int) -> bool:
    """Values a function holds (a closed-over one, a method's object): alike; layers (each
    model's own ``self``) when of one class, as their weights and state are compared apart."""
    if isinstance(a, nn.Module):
        return type(a) is type(b)
    return _same_value(a, b, depth + 1)


def _equal(a: object, b: object) -> bool:
    """``a == b`` as one bool (numpy arrays: all equal), ``False`` where it fails; one
    object is equal to itself."""
    if a is b:
        return True
    try:
        return bool(np.all(a == b)) if isinstance(a, np.ndarray) else bool(a == b)
    except Exception:
        return False
