"""Under defense=dp train.engine=opacus a layer with any forward hook was refused (h423),
even a hook that only logs its output and returns None, which leaves the output, and Opacus'
per-sample gradients formed from its gradient, as they are. Such a hook now trains (the
weights those of the same model without the hook), a hook that changes the output (o * 3
returned, o.mul_(3) in place) is still refused before training, and one idle on the records
probed (o * 3 on batches of more than 6 rows) stops the run at the training step where it changes
the output, not after training another model than the one written (h435)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from tests.hostile.test_h423_forward_hooked_ghost_layer import Net, _data
from tests.training.engines import train_by_engine

pytest.importorskip("opacus")
pytestmark = pytest.mark.filterwarnings("ignore:Full backward hook")

LOGGED: list[float] = []


def _logs(m, a, o) -> None:
    LOGGED.append(float(o.detach().norm()))


def _scales_in_place(m, a, o) -> None:
    o.mul_(3)


def _scales_large_batches(m, a, o) -> torch.Tensor | None:
    return o * 3 if len(o) > 6 else None  # (idle on the few records DPSGD.setup probes)


def _trained(hook=None) -> Net:
    torch.manual_seed(0)
    model = Net(hook)
    x, y = _data()
    train_by_engine([model], x, y, torch.ones((1, 48), dtype=torch.bool),
                    config=TrainConfig(epochs=2, batch_size=16, lr=0.1), seeds=[1],
                    defenses=lambda: [DPSGD(noise_multiplier=1.0, max_grad_norm=0.5)],
                    engine="opacus", num_classes=3, test_size=16)  # fmt: skip
    return model


def test_a_logging_hook_trains_under_opacus_as_the_model_without_it() -> None:
    LOGGED.clear()
    hooked, plain = _trained(_logs), _trained()
    assert LOGGED  # (it ran)
    torch.manual_seed(0)
    start = Net()
    assert not torch.allclose(hooked.fc.weight, start.fc.weight, atol=1e-3)  # (it trained)
    for p, q in zip(hooked.parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-6)
    assert list(hooked.fc._forward_hooks.values()) == [_logs]  # (the guard removed after)


@pytest.mark.parametrize("hook", [lambda m, a, o: o * 3, _scales_in_place])
def test_a_hook_changing_the_output_is_still_refused(hook) -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        _trained(hook)
    said = str(caught.value)
    assert said.startswith("defense.dp: train.engine=opacus cannot train Net with DP-SGD: its "
                           "layer 'fc' has a forward hook (register_forward_hook) that "
                           "changes its output, and Opacus forms")
    assert "set train.engine=stacked" in said


def test_a_hook_idle_on_the_probed_records_stops_the_run_where_it_acts() -> None:
    with pytest.raises(UnsupportedModelError, match="that changed its output in a training "
                       "step, and Opacus forms"):  # fmt: skip
        _trained(_scales_large_batches)
