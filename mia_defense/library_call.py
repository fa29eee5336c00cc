"""A call of the library from a user's process (a notebook, a sweep loop of their own):
one at a time, and the process left as the call found it."""

from __future__ import annotations

import contextlib
import functools
import random
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mia_defense.torch_notes import notes_taken_out

__all__ = ["caller_state_kept", "cleared_after_each_call", "library_call", "torch_defaults"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# Held by a call while it runs: it changes process-wide state for its duration (torch's global
# generator, seeded for the draws a model makes in its forward; sys.stdout, sent to stderr;
# torch's thread count), so two calls from two threads at once mixed each other's numbers
# (two runs with defense=dropout: other weights each time) and left sys.stdout on stderr.
# Reentrant: a call may make another (mia-attack's run, api.run_audit).
_ONE_CALL = threading.RLock()


def library_call(function: F) -> F:
    """``function`` run alone in the process (a call from another thread waits for it to end),
    with the caller's random states and warnings filters kept (`caller_state_kept`)."""

    @functools.wraps(function)
    def alone(*args: Any, **kwargs: Any) -> Any:
        with _ONE_CALL, caller_state_kept():
            return function(*args, **kwargs)

    return alone  # type: ignore[return-value]


# Memories of a call (`cleared_after_each_call`), emptied as the outermost call ends; how many
# calls are running (`caller_state_kept`, nested where a call makes another).
_CALL_MEMORIES: list[Any] = []
_DEPTH = [0]


def cleared_after_each_call(memory: T) -> T:
    """``memory`` (a set), emptied as each outermost library call or tool's main() ends
    (`caller_state_kept`): what a call learns of the user's objects (models whose stacked
    query ran out of memory) is not taken as known by the next call, which finds the process
    as it is then. Its ``clear`` may also put back what the call patched for itself
    (`mia_defense.cli.entry`'s loky worker start)."""
    _CALL_MEMORIES.append(memory)
    return memory


@contextmanager
def caller_state_kept() -> Iterator[None]:
    """The block with Python's global ``random`` generator put back as it found it: the first
    call of a process imports scikit-learn's modules, and one of them (rich, for its progress
    bars) draws from the generator on import, so a user's ``random.seed(0)`` stream came out
    one draw further along than without the call. The pipeline draws from generators of its
    own seed, never from this one. The warnings filters are put back too (in place, as
    `mia_defense.torch_notes` changes them), the notes the call silenced taken out and any filter
    the caller's own code added during it kept: torch's performance notes that a run silences
    stayed silenced in the user's process, their own ``torch.func.vmap`` over an LSTM or a
    weight-normed layer after a white-box audit said nothing of its slow loop. And torch's
    global generators, where torch is imported (the CPU's, and CUDA's where in use): the
    stacking probe of a model with dropout (defense=dropout) drew from the CPU's, so a
    notebook's ``torch.manual_seed(0)`` stream after the call was not the one it seeded."""
    torch = sys.modules.get("torch")
    cuda = torch is not None and torch.cuda.is_initialized()
    with (contextlib.nullcontext() if torch is None else
          torch.random.fork_rng(devices=list(range(torch.cuda.device_count())) if cuda else [])):
        state, filters = random.getstate(), list(warnings.filters)
        _DEPTH[0] += 1
        try:
            yield
        finally:
            _DEPTH[0] -= 1
            random.setstate(state)
            notes_taken_out(filters)
            for memory in _CALL_MEMORIES if not _DEPTH[0] else ():
                memory.clear()


@contextmanager
def torch_defaults() -> Iterator[None]:
    """The block under the torch settings of a fresh process, the caller's put back after: a
    notebook that had turned gradients off (``torch.set_grad_enabled(False)``, to evaluate)
    or set float64 as the default dtype made a run fail in its first batch with torch's
    words ("element 0 of tensors does not require grad", "expected scalar type Double but
    found Float"), where mia-train runs the same config."""
    import torch

    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        with torch.enable_grad():
            yield
    finally:
        torch.set_default_dtype(dtype)
