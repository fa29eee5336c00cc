"""A call of the library from a user's process (a notebook, a sweep loop of their own):
one at a time, and the process left as the call found it."""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mia_defense.torch_notes import notes_taken_out

__all__ = [
    "caller_state_kept", "cleared_after_each_call", "library_call", "main_state_kept",
    "put_back_as_call_ends", "torch_defaults",
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
    with the caller's random states and warnings filters kept (`caller_state_kept`), under a
    fresh process's torch settings where the caller imported torch (`torch_defaults`): a
    notebook's ``torch.set_default_device("cuda")`` or ``torch.inference_mode()`` made the
    API's queries fail on models it takes in a script, with torch's words."""

    @functools.wraps(function)
    def alone(*args: Any, **kwargs: Any) -> Any:
        fresh = contextlib.nullcontext() if "torch" not in sys.modules else torch_defaults()
        with _ONE_CALL, caller_state_kept(), fresh:
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


def _each_run(calls: Iterable[Callable[[], object]]) -> None:
    """Run each of ``calls``, then raise the first error any raised: one that raised left
    the others undone (torch's thread count, loky's start), the caller's process left changed."""
    errors: list[BaseException] = []
    for call in calls:
        try:
            call()
        except BaseException as exc:  # (a Ctrl-C too: the others still run first)
            errors.append(exc)
    if errors:
        raise errors[0]


class _PutBack(list):
    """What calls changed for themselves (`put_back_as_call_ends`: a function putting each
    back), put back last first by ``clear`` (`cleared_after_each_call`), each of them."""

    def clear(self) -> None:
        _each_run(self._latest_first())

    def _latest_first(self) -> Iterator[Callable[[], object]]:
        while self:
            yield self.pop()


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
    ``random`` generator (an import of the first call draws from it), numpy's global one
    where ``numpy.random`` is imported (a user's model drawing its initial weights from
    ``np.random`` moved it), torch's global generators where torch is imported (the CPU's,
    and CUDA's where in use: a model's probe draws from them), and the warnings filters
    (the notes the call silenced taken out, a filter the caller's code added kept:
    `mia_defense.torch_notes.notes_taken_out`). The outermost block also clears the calls'
    memories (`cleared_after_each_call`)."""
    torch = sys.modules.get("torch")
    cuda = torch is not None and torch.cuda.is_initialized()
    with (contextlib.nullcontext() if torch is None else
          torch.random.fork_rng(devices=list(range(torch.cuda.device_count())) if cuda else [])):
        state, filters = random.getstate(), list(warnings.filters)
        numpy_random = sys.modules.get("numpy.random")  # (none: no state of the caller's)
        numpy_state = None if numpy_random is None else numpy_random.get_state()
        _DEPTH[0] += 1
        try:
            yield
        finally:
            _DEPTH[0] -= 1
            random.setstate(state)
            if numpy_state is not None:
                numpy_random.set_state(numpy_state)  # type: ignore[union-attr]
            notes_taken_out(filters)
            if not _DEPTH[0]:  # (the outermost call's end)
                _each_run(memory.clear for memory in _CALL_MEMORIES)


@contextmanager
def torch_defaults() -> Iterator[None]:
    """The block under the torch settings of a fresh process, the caller's put back after: a
    notebook that had turned gradients off (``torch.set_grad_enabled(False)``, to evaluate)
    or set float64 as the default dtype made a run fail in its first batch with torch's
    words ("element 0 of tensors does not require grad", "expected scalar type Double but
    found Float"), where mia-train runs the same config. So did one that had set a default
    device (``torch.set_default_device("cuda")``): the run's own tensors were made there,
    beside the data's on the CPU (``"meta"``: Adam refused the model's settings). So did a
    notebook's ``with torch.inference_mode():`` around a call, which grad mode alone does not
    leave: the tensors made under it take no gradient and count no in-place change (an API
    call's probe of the models: torch's "Inference tensors do not track version counter")."""
    import torch

    dtype, device_of = torch.get_default_dtype(), getattr(torch, "get_default_device", None)
    device = torch.device("cpu") if device_of is None else device_of()  # (torch 2.3 on)
    torch.set_default_dtype(torch.float32)
    if device.type != "cpu":  # (the CPU's: as a fresh process's)
        torch.set_default_device(None)
    try:
        with torch.inference_mode(False), torch.enable_grad():
            yield
    finally:
        torch.set_default_dtype(dtype)
        if device.type != "cpu":
            torch.set_default_device(device)


@contextmanager
def main_state_kept() -> Iterator[set[str]]:
    """The block (a tool's main() called in-process: a notebook, a script) with the caller's
    state kept as a library call keeps it (`caller_state_kept`), and every logger put back
    as it found it (`_loggers_put_back`): logging's set-up for the tool's console and log
    file (Hydra's logging configs, mia-report's ``logging.basicConfig``) left the caller's
    later log lines going to the tool's handlers, at its levels. Yields the names of the
    loggers a logging config made during the block (noted as `logging.config.dictConfig`
    runs, by whatever path), which are put back as new ones; the block may add others a
    set-up of its own made (``hydra.verbose``'s). Where the caller imported torch, the block
    runs under a fresh process's torch settings (`torch_defaults`): a notebook that had set
    float64 as the default dtype or turned gradients off got a failed run (torch's traceback,
    exit 1, results.json 'failed') where the same command in a shell trained."""
    import logging.config

    loggers = _logger_states()
    configure, configured = logging.config.DictConfigurator.configure, set[str]()
    callers = {handler for _, handlers, _, _ in loggers.values() for handler in handlers}

    def configure_noted(configurator: logging.config.DictConfigurator) -> None:
        named = configurator.config.get("loggers")  # (Hydra's logging configs: by any path)
        configured.update(str(name) for name in (named if isinstance(named, dict) else ()))
        with _handlers_left_open(callers):
            configure(configurator)

    logging.config.DictConfigurator.configure = configure_noted  # type: ignore[method-assign]
    fresh = contextlib.nullcontext() if "torch" not in sys.modules else torch_defaults()
    try:
        with caller_state_kept(), fresh:
            yield configured
    finally:
        logging.config.DictConfigurator.configure = configure  # type: ignore[method-assign]
        _loggers_put_back(loggers, configured)


# A logger's level, handlers, propagate and disabled.
_LoggerState = tuple[int, list[logging.Handler], bool, bool]
_UNSET: _LoggerState = (logging.NOTSET, [], True, False)


def _logger_states() -> dict[logging.Logger, _LoggerState]:
    """The root logger's and every other logger's state now."""
    return {logger: (logger.level, logger.handlers[:], logger.propagate, logger.disabled)
            for logger in (logging.getLogger(), *logging.Logger.manager.loggerDict.values())
            if isinstance(logger, logging.Logger)}


@contextmanager
def _handlers_left_open(kept: set[logging.Handler]) -> Iterator[None]:
    """The block (a logging config's ``configure``) with the handlers ``kept`` out of
    logging's lists of handlers, so that its clearing of the existing ones (each closed)
    leaves them open: Hydra's configs closed the caller's own, and its log file opened with
    mode 'w' (``logging.basicConfig(filename=..., filemode='w')``) took no line after main().
    `_loggers_put_back` puts them back on their loggers."""
    lock, refs, names = logging._lock, logging._handlerList, logging._handlers  # type: ignore[attr-defined]
    with lock:
        held = [ref for ref in refs if ref() in kept]
        named = {name: handler for name, handler in names.items() if handler in kept}
        for ref in held:
            refs.remove(ref)
    try:
        yield
    finally:
        with lock:
            refs.extend(ref for ref in held if ref not in refs)
            for name, handler in named.items():
                names.setdefault(name, handler)


def _loggers_put_back(states: dict[logging.Logger, _LoggerState], configured: set[str]) -> None:
    """Put each logger of ``states`` back as it was, and one made since that a logging config
    ``configured`` by name as a new one is (a library's own, made by its import, stays as it
    set itself); close the handlers this takes off that no logger had before. Hydra's
    logging configs (`logging.config.dictConfig`) left the root's handlers (the finished
    run's train.log), Hydra's ``logging_example`` logger at DEBUG, ``hydra.verbose``'s
    loggers of the caller at DEBUG and every logger the caller had disabled enabled again."""
    kept = {id(handler) for _, handlers, _, _ in states.values() for handler in handlers}
    taken_off: dict[int, logging.Handler] = {}
    for logger, (level, handlers, propagate, disabled) in [
            *states.items(), *((logger, _UNSET) for logger in _logger_states()
                               if logger not in states and logger.name in configured)]:
        for handler in logger.handlers[:]:
            if handler not in handlers:
                logger.removeHandler(handler)
                if id(handler) not in kept:
                    taken_off[id(handler)] = handler
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        logger.propagate, logger.disabled = propagate, disabled
        if logger.level != level:  # (each setLevel empties every logger's cache)
            logger.setLevel(level)
    for handler in taken_off.values():
        handler.close()
