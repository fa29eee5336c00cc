"""K models with a lazy layer (nn.LazyLinear) trained one at a time, as they must, but the
warning and results.json's training.fallback_reason said 'models[1] has other forward hooks
(on fc) than models[0]': each lazy layer's own _infer_parameters pre-hook, a method bound to
that layer, was compared as another hook. A method of each layer itself is now the same
hook (as its forward is), so the reason given is the lazy parameters; a hook that is
another function per model still differs."""

from __future__ import annotations

import types

from torch import nn

from mia_defense.models.alike import unlike


def test_lazy_layers_are_alike_and_other_self_bound_hooks_are_not():
    assert unlike([nn.Sequential(nn.LazyLinear(3)) for _ in range(3)]) is None
    models = [nn.Linear(4, 3) for _ in range(2)]
    for k, model in enumerate(models):
        model.register_forward_hook(types.MethodType(lambda self, m, i, o, k=k: o * k, model))
    assert unlike(models).startswith("models[1] has other forward hooks (on <root>), where")
