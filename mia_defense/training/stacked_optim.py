"""Adam and SGD over a ``[K, P]`` parameter tensor, one independent state per model row.

The arithmetic follows ``torch.optim.Adam`` / ``torch.optim.SGD`` (single-tensor CPU path)
step for step, so a stacked model follows the same trajectory as its sequential twin.
A step may update a subset of rows: models that ran out of batches in an epoch (fewer
members) or drew an empty Poisson batch keep their parameters and their step count.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from mia_defense.training.config import TrainConfig

__all__ = ["StackedAdam", "StackedOptimizer", "StackedSGD", "make_stacked_optimizer"]


class StackedOptimizer:
    """Updates ``params`` [K, P] in place from gradients [K, P]."""

    def __init__(self, params: torch.Tensor, *, lr: float, weight_decay: float = 0.0) -> None:
        self.params, self.lr, self.weight_decay = params, lr, weight_decay

    def step(self, grad: torch.Tensor, rows: torch.Tensor | None = None) -> None:
        """Apply one step to every model, or only to ``rows`` (1-D index tensor)."""
        if rows is None:
            self._update(self.params, grad, self._state(), None)
            return
        params = self.params.index_select(0, rows)
        state = [s.index_select(0, rows) for s in self._state()]
        self._update(params, grad.index_select(0, rows), state, rows)
        self.params.index_copy_(0, rows, params)
        for full, part in zip(self._state(), state, strict=True):
            full.index_copy_(0, rows, part)

    def _state(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def _update(
        self,
        params: torch.Tensor,
        grad: torch.Tensor,
        state: list[torch.Tensor],
        rows: torch.Tensor | None,
    ) -> None:
        raise NotImplementedError


class StackedAdam(StackedOptimizer):
    """``torch.optim.Adam`` (L2 weight decay added to the gradient, no AMSGrad) per row.

    Uses torch's fused Adam kernel (what ``Adam(fused=True)`` runs), one call over each
    run of consecutive rows at the same step count; the explicit arithmetic of the default
    single-tensor path is the fallback where that kernel is missing.
    """

    def __init__(
        self,
        params: torch.Tensor,
        *,
        lr: float,
        weight_decay: float = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.betas, self.eps = betas, eps
        self.exp_avg = torch.zeros_like(params)
        self.exp_avg_sq = torch.zeros_like(params)
        self._fused = hasattr(torch, "_fused_adam_") and params.device.type in ("cpu", "cuda")
        self._counts = [0] * params.shape[0]  # steps taken by each row

    def step(self, grad: torch.Tensor, rows: torch.Tensor | None = None) -> None:
        if not self._fused:
            super().step(grad, rows)
            return
        index = range(len(self._counts)) if rows is None else rows.tolist()
        for k in index:
            self._counts[k] += 1
        # One slice per run of consecutive rows at the same step count: with all models in
        # step that is one call over the whole [K, P] tensor.
        slices, steps = [], []
        for start, stop in _runs(index, self._counts):
            slices.append(slice(start, stop))
            steps.append(self.params.new_tensor(float(self._counts[start])))
        torch._fused_adam_(
            [self.params[s] for s in slices],
            [grad[s] for s in slices],
            [self.exp_avg[s] for s in slices],
            [self.exp_avg_sq[s] for s in slices],
            [],
            steps,
            lr=self.lr,
            beta1=self.betas[0],
            beta2=self.betas[1],
            weight_decay=self.weight_decay,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )

    def _state(self) -> list[torch.Tensor]:
        return [self.exp_avg, self.exp_avg_sq]

    def _update(self, params, grad, state, rows) -> None:  # type: ignore[no-untyped-def]
        beta1, beta2 = self.betas
        exp_avg, exp_avg_sq = state
        index = range(len(self._counts)) if rows is None else rows.tolist()
        for k in index:
            self._counts[k] += 1
        # float64 on the CPU, as torch's Python-float bias corrections
        step = torch.tensor([self._counts[k] for k in index], dtype=torch.float64)
        if self.weight_decay != 0:
            grad = grad.add(params, alpha=self.weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = (self.lr / (1 - beta1**step)).to(params)
        bias_correction2_sqrt = ((1 - beta2**step) ** 0.5).to(params)
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt.unsqueeze(1)).add_(self.eps)
        params.sub_(step_size.unsqueeze(1) * (exp_avg / denom))


class StackedSGD(StackedOptimizer):
    """``torch.optim.SGD`` (momentum without dampening, not Nesterov, L2 weight decay) per row."""

    def __init__(
        self, params: torch.Tensor, *, lr: float, weight_decay: float = 0.0, momentum: float = 0.0
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.momentum = momentum
        # A zero buffer gives torch's first step (buffer = gradient) exactly: 0 * m + g = g.
        self.buffer = torch.zeros_like(params) if momentum != 0 else params.new_zeros((0,))

    def _state(self) -> list[torch.Tensor]:
        return [self.buffer] if self.momentum != 0 else []

    def _update(self, params, grad, state, rows) -> None:  # type: ignore[no-untyped-def]
        if self.weight_decay != 0:
            grad = grad.add(params, alpha=self.weight_decay)
        if self.momentum != 0:
            (buffer,) = state
            buffer.mul_(self.momentum).add_(grad)
            grad = buffer
        params.add_(grad, alpha=-self.lr)


def _runs(index: Iterable[int], steps: list[int]) -> list[tuple[int, int]]:
    """Maximal ``[start, stop)`` runs of consecutive rows in ``index`` with equal ``steps``."""
    runs: list[tuple[int, int]] = []
    for k in index:
        if runs and runs[-1][1] == k and steps[k] == steps[runs[-1][0]]:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def make_stacked_optimizer(params: torch.Tensor, config: TrainConfig) -> StackedOptimizer:
    """The stacked twin of ``training.loop._make_optimizer``."""
    if config.optimizer == "sgd":
        return StackedSGD(
            params, lr=config.lr, weight_decay=config.weight_decay, momentum=config.momentum
        )
    return StackedAdam(params, lr=config.lr, weight_decay=config.weight_decay)
