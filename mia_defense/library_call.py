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

__all__ = [
    "caller_state_kept", "cleared_after_each_call", "library_call", "put_back_as_call_ends",
    "torch_defaults",
]

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
    """``memory`` (anything with a ``clear()``: a set, `mia_defense.cli.entry`'s record of
    what it patched), cleared as each outermost library call or tool's main() ends
    (`caller_state_kept`): what a call learns of the user's objects (models whose stacked
    query ran out of memory) or changes for itself does not outlive it."""
    _CALL_MEMORIES.append(memory)
    return memory


class _PutBack(list):
    """What calls changed for themselves (`put_back_as_call_ends`: a function putting each
    back), put back last first by ``clear`` (`cleared_after_each_call`)."""

    def clear(self) -> None:
        while self:
            self.pop()()


_PUT_BACK: list[Callable[[], object]] = cleared_after_each_call(_PutBack())


def put_back_as_call_ends(put_back: Callable[[], object]) -> None:
    """Call ``put_back`` as the outermost library call or tool's main() ends (the latest
    first): what a call changes in the process for itself (torch's thread count,
    `mia_defense.threads.one_thread`; loky's start of a worker, patched by
    `mia_defense.cli.entry.quiet_pool_worker_starts`) is as the caller had it after."""
    _PUT_BACK.append(put_back)


@contextmanager
def caller_state_kept() -> Iterator[None]:
    """The block with the caller's process state put back as it found it, so a user's own
    seeded streams and warnings read the same with or without the call: Python's global
    ``random`` generator (an import of the first call draws from it), torch's global
    generators where torch is imported (the CPU's, and CUDA's where in use: a model's probe
    draws from them), and the warnings filters (the notes the call silenced taken out, a
    filter the caller's code added kept: `mia_defense.torch_notes.notes_taken_out`). The
    outermost block also clears the calls' memories (`cleared_after_each_call`)."""
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
            if not _DEPTH[0]:  # (the outermost call's end)
                for memory in _CALL_MEMORIES:
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
