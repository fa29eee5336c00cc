"""A run that failed on non-finite values asks whether its model returns NaN before any
training (`_untrained_non_finite_hint`, which decides between blaming the model and blaming
train.lr). The model it asked was built, and in training mode called, from torch's global
random state at that moment: another state in each process (torch.initial_seed() is drawn
fresh per launch), so a model whose untrained outputs depend on its draws could be blamed in
one launch and not the next. It is target model 0 as the run builds it, from the run's seed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from mia_defense.run_fingerprint import TARGETS_STAGE
from mia_defense.seeding import derive_seed


class _Net(nn.Module):
    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.layer = nn.Linear(input_shape[0], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.dropout(self.layer(x), 0.5, training=self.training)


def _spec(seed: int):
    data = SimpleNamespace(
        dataset=SimpleNamespace(x=np.linspace(-1, 1, 240, dtype=np.float32).reshape(40, 6),
                                num_classes=3, input_shape=(6,)),
        plan=SimpleNamespace(test_idx=np.arange(10)),
    )  # fmt: skip
    experiment = SimpleNamespace(
        train=SimpleNamespace(batch_size=16), seed=seed, config={"model": {"_target_": "my.Net"}},
        build_model=lambda input_shape, num_classes: _Net(input_shape, num_classes),
    )  # fmt: skip
    return experiment, data


def _outputs(seed: int, global_seed: int) -> list[torch.Tensor]:
    from mia_defense.experiment import _probe_outputs

    seen: list[torch.Tensor] = []
    torch.manual_seed(global_seed)
    assert _probe_outputs(*_spec(seed), lambda out, *_: seen.append(out.clone())) is None
    return seen


def test_the_probed_model_comes_from_the_run_seed_not_the_global_state():
    first, second = _outputs(3, global_seed=1), _outputs(3, global_seed=2)
    assert len(first) == len(second) == 6  # 10, 16 and 40 rows (all), training and eval mode
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(first, _outputs(4, 1), strict=True))


def test_the_probed_model_is_target_model_0_and_the_global_state_is_left_alone():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(3, TARGETS_STAGE, 0))
        model = _Net((6,), 3).eval()
    rows = torch.as_tensor(_spec(3)[1].dataset.x)
    torch.manual_seed(5)
    after_seeding = torch.get_rng_state()
    outputs = _outputs(3, global_seed=5)
    assert torch.equal(torch.get_rng_state(), after_seeding)  # nothing drawn out of it
    assert torch.equal(outputs[-1], model(rows))  # the last: eval mode on all 40 rows
