"""The cyclic garbage collector around a run: the imports are not scanned again and again."""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collect_from_here", "no_collection_at_exit", "paused_while_importing"]

_froze_before = False  # whether `collect_from_here` ran in this process
# Within `paused_while_importing`: whether the caller had frozen objects of its own when
# `collect_from_here` first froze (None: it has not frozen in this call).
_caller_froze: bool | None = None


@contextmanager
def paused_while_importing() -> Iterator[None]:
    """Run the block with the cyclic collector off until `collect_from_here` turns it on,
    and leave it as it was found.

    A tool's start-up imports torch, Hydra and the pipeline: about half a million objects
    that live as long as the process, and the collector walked them all at each full
    collection as they came in (0.7 s of the default run's start, in six walks). Imports
    make no garbage worth that.

    Objects the run froze (`collect_from_here`) are let go as it ends where nothing was
    frozen before: a notebook that called a tool's main() kept, for its life, every reference
    cycle among its own objects of that moment (a model, an array it held) after deleting it.
    A caller's own freeze (pytest's conftest) is left as it was. Whether there was one is
    asked only where the run froze: `gc.get_freeze_count` walks every frozen object (30 ms
    a call in the test session: 20 s of the fast suite when every refused run asked).
    """
    global _caller_froze
    enabled, outer = gc.isenabled(), _caller_froze
    _caller_froze = None
    gc.disable()
    try:
        yield
    finally:
        if _caller_froze is False:
            gc.unfreeze()
        _caller_froze = outer
        if enabled:
            gc.enable()
        else:
            gc.disable()


def collect_from_here() -> None:
    """Leave every object alive now out of later collections and turn the collector on: the
    run's own garbage is collected as before.

    An object left out is still freed when its last reference goes; only reference cycles
    among them stay in memory. In a fresh process those are the imports' (some 20,000 small
    objects, about 10 MB: a full collection to free them would cost 0.2-0.3 s); a later run
    in the same process (a sweep's next job) collects first, as the last one's cycles may
    hold tensors. (A flag says whether a run froze before: `gc.get_freeze_count` walks
    every frozen object, 30-60 ms per call once torch is imported.)
    """
    global _froze_before, _caller_froze
    if _froze_before:
        gc.collect()
    if _caller_froze is None:
        _caller_froze = gc.get_freeze_count() > 0
    gc.freeze()
    _froze_before = True
    gc.enable()


def no_collection_at_exit() -> None:
    """Leave the heap out of the collections Python makes as the process ends (idempotent).

    Tearing down, the interpreter walks every object for reference cycles, torch's and its
    compiler stack's, scikit-learn's and matplotlib's: 0.6 s after the default run's last
    line, 0.25 s with this (``import torch`` alone: 0.68 s, 0.19 s). The tools have closed
    their files by then; Python does not promise finalizers at exit to objects still
    alive, and the cycles left at exit are freed with the process.
    """
    atexit.unregister(gc.freeze)  # registered once, whatever the number of calls
    atexit.register(gc.freeze)
