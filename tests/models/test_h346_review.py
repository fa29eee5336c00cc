"""h346's review of the day's changes (883b4f2f..): what it found wrong, each pinned."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.models import check_dp_compatible


def test_a_model_scripted_whole_is_named_once():
    # a1f6287a names 'the outermost scripted module once'; a model scripted whole (its
    # root, named "") was named with each of its layers: four lines for one fix
    model = torch.jit.script(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    [problem] = check_dp_compatible(model)
    assert problem.startswith("<root> (RecursiveScriptModule): a TorchScript module")
