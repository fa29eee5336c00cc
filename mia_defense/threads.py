"""One thread for torch and for the native thread pools (OpenMP, BLAS) of a run."""

from __future__ import annotations

__all__ = ["one_thread"]


def one_thread() -> None:
    """Run torch, OpenMP and BLAS on one thread each, for the rest of the process.

    The pipeline's ops are small, and where other work shares the cores a second thread
    waits at every barrier: scikit-learn's gradient boosting (the Shokri attack model) took
    30-50 s instead of 0.5 s beside busy processes. Training asks for more threads itself
    when ``train.threads`` says so.
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
