"""A forward hook that closes over the model (``self._kept = o``, read later in forward: a
skip from the hooked layer) writes to the model it was made for from any copy of it: mia-train
model=custom with such a module (no defense, plan.num_models=2) ended in a traceback, 'The
size of tensor a (2) must match the size of tensor b (3)' from the stacked probe (the copy
read its own attribute, another pass's), then 'NotImplementedError: Cannot access storage of
BatchedTensorImpl' at the next copy (the vmapped call had left a batched tensor on the
model); under defense=dp, 'Only Tensors created explicitly by the user (graph leaves) support
the deepcopy protocol' from DP-SGD's checks. The probes now put the model back as it was and
say why its models train one at a time (they end where the models run as written do), and
DP-SGD refuses it in one line, as a model keeping a value from a pass (h424)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

N, C, D = 40, 3, 8


class Kept(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out, self.skip = nn.Linear(D, 6), nn.Linear(6, C), nn.Linear(6, C)

        def keep(module: nn.Module, args: tuple, out: torch.Tensor) -> None:
            self._kept = out

        self.fc.register_forward_hook(keep)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x))) + self.skip(self._kept)


class KeptInDict(Kept):
    """The same, into a dict of the model's (a feature extractor's activations)."""

    def __init__(self) -> None:
        super().__init__()
        self.acts: dict[str, torch.Tensor] = {}
        self.fc._forward_hooks.clear()
        self.fc.register_forward_hook(lambda m, a, o: self.acts.__setitem__("fc", o))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x))) + self.skip(self.acts["fc"])


def _data() -> dict:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    return dict(x=x.numpy(), y=y.numpy(), masks=np.random.default_rng(0).random((2, N)) < 0.5,
                x_test=x[:10].numpy(), y_test=y[:10].numpy(), num_classes=C, seed=0,
                progress=False)  # fmt: skip


@pytest.mark.parametrize("cls", [Kept, KeptInDict])
def test_its_models_train_one_at_a_time_as_written(cls: type[nn.Module]) -> None:
    config = dict(epochs=2, batch_size=8, lr=0.05)
    stacked = train_ensemble(build_model=cls, config=TrainConfig(**config), **_data())
    alone = train_ensemble(build_model=cls, config=TrainConfig(**config, engine="opacus"),
                           **_data())  # fmt: skip
    where = "_kept" if cls is Kept else "acts"
    assert stacked.fallback_reason.startswith(
        f"{cls.__name__}'s forward, run on a copy of it, changes the model itself ({where}): ")
    for a, b in zip(stacked.models, alone.models, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=1e-6)


@pytest.mark.parametrize("cls", [Kept, KeptInDict])
def test_the_probes_leave_the_model_as_it_was(cls: type[nn.Module]) -> None:
    model = cls()
    with torch.no_grad():
        model(torch.zeros((2, D)))
    held = dict(vars(model)), dict(getattr(model, "acts", {}))
    assert vmap_blocker(model, (D,)) is not None
    assert dict(vars(model)) == held[0] and dict(getattr(model, "acts", {})) == held[1]
    copy.deepcopy(model)  # (a batched tensor left on it: NotImplementedError)


def test_dp_refuses_it_in_one_line() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        train_ensemble(build_model=Kept, config=TrainConfig(epochs=1, batch_size=8, lr=0.05),
                       build_defenses=lambda: [DPSGD(noise_multiplier=1.0)], **_data())
    said = str(caught.value)
    assert said.startswith("defense.dp: Kept's forward changes the model itself while training")
    assert "set _kept of the model it was copied from" in said and "\n" not in said
