"""README (train.engine=opacus) said a forward hook on a layer is refused under Opacus,
with only forward pre-hooks training under both engines; since 7b43fc1e a hook that only
reads the output and returns None (a logging hook) trains under Opacus, one that changes
the output on some batches only stops the run at that step, and a global
``register_module_forward_hook`` is refused whatever it does. README says so now; checked
against `dp.refuse_forward_hooked`, the check it describes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import refuse_forward_hooked
from mia_defense.errors import UnsupportedModelError

README = Path(__file__).resolve().parents[2] / "README.md"


def _said() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())


def _model(hook) -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    model[0].register_forward_hook(hook)
    return model


def test_readme_says_a_logging_hook_trains_under_opacus():
    said = _said()
    assert "a forward hook that only reads the output and returns `None`, a logging hook" in said
    assert "stops the Opacus run at that step" in said
    assert "global `register_module_forward_hook` is refused" in said
    refuse_forward_hooked(_model(lambda m, a, o: None), torch.randn(4, 4))  # (trains)
    with pytest.raises(UnsupportedModelError, match="changes its output"):
        refuse_forward_hooked(_model(lambda m, a, o: o * 3), torch.randn(4, 4))


def test_a_global_forward_hook_is_refused_as_readme_says():
    handle = nn.modules.module.register_module_forward_hook(lambda m, a, o: None)
    try:
        with pytest.raises(UnsupportedModelError):
            refuse_forward_hooked(_model(lambda m, a, o: None), torch.randn(4, 4))
    finally:
        handle.remove()
