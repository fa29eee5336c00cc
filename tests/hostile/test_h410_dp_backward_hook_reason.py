"""A model with a backward hook on a layer (register_full_backward_hook, clamping the
gradient it passes back) under defense=dp was refused for a reason it does not have: 'its
output for a sample depends on where the sample sits in its batch or on the batch's size
(e.g. torch.arange(len(x)) ...)' (mia-train model=custom model._target_=hmods.BackHook2
defense=dp, with either engine): the check differentiated each sample alone under vmap,
which never runs the hook. The refusal now names the hook and why neither engine's DP-SGD
runs it as written (h410)."""

from __future__ import annotations

import pytest

from mia_defense.errors import UnsupportedModelError
from tests.helpers import trained_under_dp
from tests.hostile.test_h404_module_backward_hook import C, ClampedHead, D


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_the_refusal_names_the_hook(engine: str) -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        trained_under_dp(ClampedHead, features=D, classes=C, engine=engine)
    said = str(caught.value)
    assert "backward hook on its layer 'head' (register_full_backward_hook)" in said
    assert "sits in its batch" not in said
    assert "remove the hook, or train without defense=dp" in said
