"""torch.optim without importing torch.compile where nothing compiles.

torch guards its optimisers and dispatch modes against torch.compile: ``Optimizer``'s
``add_param_group``, ``zero_grad``, ``state_dict``... and the FLOP counter's dispatch mode are
wrapped in ``torch._disable_dynamo``, and ``Optimizer.step`` in
``_use_grad_for_differentiable``; each wrapper imports ``torch._dynamo`` on its first call,
3.4 s of the default run's 17 s on 2 cores (``scripts/bench.py``, "stage by stage"). A
process that has not imported ``torch._dynamo`` compiles nothing, so the guards have
nothing to do there. `optimizer_step` and the guards `lazy_compile_guards` installs skip the import
while ``torch._dynamo`` is absent and do exactly what torch does once it is present (a
user's torch.compile, Opacus).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any

import torch
from torch.optim import optimizer as optim_module
from torch.optim.optimizer import Optimizer

__all__ = ["lazy_compile_guards", "optimizer_step"]

_GUARD_CODE = torch._disable_dynamo(lambda: None).__code__  # every guard's wrapper shares it


def _compiling_possible() -> bool:
    return "torch._dynamo" in sys.modules


def _lazy_guard(fn: Callable[..., Any], recursive: bool) -> Callable[..., Any]:
    """What torch caches as ``fn``'s disabled form: ``fn`` itself while torch._dynamo is
    not imported, torch's own ``torch._dynamo.disable(fn)`` from then on."""

    @functools.cache
    def disabled() -> Callable[..., Any]:
        return torch._dynamo.disable(fn, recursive, wrapping=False)

    def call(*args: Any, **kwargs: Any) -> Any:
        return disabled()(*args, **kwargs) if _compiling_possible() else fn(*args, **kwargs)

    return call


def _install(guard: Any) -> None:
    code = getattr(guard, "__code__", None)
    if code is not _GUARD_CODE or not {"fn", "recursive"} <= set(code.co_freevars):
        return  # not torch's guard (patched), or another torch's: left as it is
    cells = dict(zip(code.co_freevars, guard.__closure__, strict=True))
    fn, recursive = cells["fn"].cell_contents, cells["recursive"].cell_contents
    if getattr(fn, "__dynamo_disable", None) is None:
        with contextlib.suppress(AttributeError):  # fn takes no attributes: torch's guard stays
            fn.__dynamo_disable = _lazy_guard(fn, recursive)


@functools.cache
def lazy_compile_guards() -> None:
    """Make the torch.compile guards the engine meets (``Optimizer``'s methods, the FLOP
    counter's dispatch) import torch._dynamo only once something else has imported it."""
    from torch.utils import flop_counter

    counters = [c for c in vars(flop_counter).values()
                if isinstance(c, type) and c.__module__ == flop_counter.__name__]
    for owner in (Optimizer, *counters):
        for attr in vars(owner).values():
            _install(attr)


def optimizer_step(optimizer: Optimizer) -> None:
    """``optimizer.step()``, without the import of torch._dynamo its wrapper makes when
    nothing can be compiling: the update itself is torch.optim's, under the grad mode its
    wrapper sets. Step hooks, an optimiser from outside torch.optim (Opacus' wraps one) or
    torch._dynamo already imported take torch's own path."""
    cls = type(optimizer)
    update = inspect.unwrap(cls.step)
    hooks = [getattr(optimizer, name, None) for name in
             ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks")]  # fmt: skip
    if (_compiling_possible() or not cls.__module__.startswith("torch.optim.")
            or update is cls.step or any(h is None or h for h in hooks)
            or optim_module._global_optimizer_pre_hooks
            or optim_module._global_optimizer_post_hooks):  # fmt: skip
        optimizer.step()
        return
    with torch.set_grad_enabled(bool(optimizer.defaults.get("differentiable", False))):
        update(optimizer)
