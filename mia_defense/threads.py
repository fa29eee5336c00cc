"""How many threads torch and the native thread pools (OpenMP, BLAS) of a run use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mia_defense.library_call import put_back_as_call_ends

__all__ = ["intra_op_threads", "one_thread", "one_thread_within"]


def one_thread() -> None:
    """Run torch, OpenMP and BLAS on one thread each, for the rest of the tool's call (the
    settings before put back as its main() ends, `put_back_as_call_ends`: a main() called
    in-process, from a notebook, left torch and BLAS on one thread).

    The pipeline's ops are small, and where other work shares the cores a second thread
    waits at every barrier: scikit-learn's gradient boosting (the Shokri attack model) took
    30-50 s instead of 0.5 s beside busy processes. Training asks for more threads itself
    when ``train.threads`` says so.
    """
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    limits = threadpool_limits(limits=1)
    put_back_as_call_ends(
        lambda: (limits.restore_original_limits(), torch.set_num_threads(before)))


@contextmanager
def one_thread_within() -> Iterator[None]:
    """`one_thread` for the block only, the previous settings put back after: a library call
    (`mia_defense.cli.train.run` from a notebook) left torch, OpenMP and BLAS on one thread
    for the rest of the user's process."""
    from threadpoolctl import threadpool_limits

    with intra_op_threads(1), threadpool_limits(limits=1):
        yield


@contextmanager
def intra_op_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads (0: every usable core), then
    restore the previous setting."""
    import torch

    from mia_defense.budget import usable_cores

    previous = torch.get_num_threads()
    torch.set_num_threads(threads or usable_cores())
    try:
        yield
    finally:
        torch.set_num_threads(previous)
