"""Keep freed tensor memory in the process instead of handing it back to the OS at once.

glibc serves a block over 128 KiB with a fresh ``mmap`` and returns it to the kernel when it
is freed (the threshold then creeps up, but the heap's free top is trimmed back past 128
KiB). Torch allocates every CPU tensor's storage with ``malloc``, and the pipeline's tensors
(a chunk of 16 models' activations: [16, 128, 64] floats, 512 KiB) are allocated and freed
thousands of times a run, so each op first takes page faults on memory the kernel zeroes
again: a third of a second of system time of the default run. Serving blocks up to 64 MiB
from the heap and trimming it only past 256 MiB keeps them in the process (``make bench``:
"Freed memory kept").
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20
OPT_OUT = "MIA_DEFENSE_SYSTEM_MALLOC"  # set to 1: leave the allocator as it is


def _user_chose_allocator() -> bool:
    """A user who tunes glibc's malloc (``MALLOC_*_``, ``GLIBC_TUNABLES``), preloads another
    allocator (jemalloc, tcmalloc) or opts out keeps their choice."""
    if os.environ.get(OPT_OUT, "").strip().lower() not in ("", "0", "false", "no", "off"):
        return True
    if os.environ.get("LD_PRELOAD") or "malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return True
    return any(name.startswith("MALLOC_") for name in os.environ)


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for the rest of the process; ``True`` if done.

    A no-op (``False``) outside Linux, on a C library without ``mallopt`` (musl), or where
    the user chose their allocator's settings. The mmap threshold goes first: a raised trim
    threshold alone turns off glibc's own threshold adjustment and sends every block over
    128 KiB to ``mmap``, which is slower than leaving both alone.
    """
    if not sys.platform.startswith("linux") or _user_chose_allocator():
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        return False
    return mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
