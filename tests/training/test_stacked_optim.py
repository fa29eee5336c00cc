"""Stacked Adam/SGD follow torch.optim step for step, row by row, skipped rows included."""

from __future__ import annotations

import pytest
import torch

from mia_defense.training.stacked_optim import StackedAdam, StackedSGD


@pytest.mark.parametrize(
    ("kind", "fused"), [("adam", True), ("adam", False), ("sgd", None)]
)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_rows_follow_torch_optim(kind, fused, weight_decay):
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(3, 20, generator=gen)
    stacked_params = start.clone()
    if kind == "adam":
        stacked = StackedAdam(stacked_params, lr=0.01, weight_decay=weight_decay)
        stacked._fused = fused and stacked._fused
    else:
        stacked = StackedSGD(stacked_params, lr=0.1, weight_decay=weight_decay, momentum=0.9)
    singles = [torch.nn.Parameter(row.clone()) for row in start]
    optims = [
        torch.optim.Adam([p], lr=0.01, weight_decay=weight_decay)
        if kind == "adam"
        else torch.optim.SGD([p], lr=0.1, weight_decay=weight_decay, momentum=0.9)
        for p in singles
    ]
    schedule = [None, None, torch.tensor([0, 2]), None, torch.tensor([1])]
    for rows in schedule:
        grad = torch.randn(3, 20, generator=gen)
        stacked.step(grad, rows)
        for k, (param, opt) in enumerate(zip(singles, optims, strict=True)):
            if rows is None or k in rows.tolist():
                param.grad = grad[k].clone()
                opt.step()
    for k, param in enumerate(singles):
        torch.testing.assert_close(stacked_params[k], param.detach(), rtol=1e-6, atol=1e-6)
    assert not torch.allclose(stacked_params, start)
