"""A model whose logits are float16 and overflow in training: the divergence names the dtype,
not only the learning rate."""

from __future__ import annotations

from tests.helpers import mia_train

HALF_NET = '''
import torch
from torch import nn


class HalfNet(nn.Module):
    """float32 weights, logits returned in float16 and large: training overflows them."""

    def __init__(self, input_shape, num_classes, scale=1.0, half=True):
        super().__init__()
        self.lin = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)
        self.scale, self.half = scale, half

    def forward(self, x):
        logits = self.lin(x.flatten(1)) * self.scale
        return logits.to(torch.float16) if self.half else logits
'''
TINY = ("plan.num_models=2", "train.epochs=2", "progress=false", "figures=false",
        "attack.bootstrap=0", "attack.attacks.shokri.classifier=logistic", "model=custom",
        "model._target_=half_net.HalfNet", "+model.scale=300")  # fmt: skip


def test_float16_logits_that_overflow_are_named_as_the_cause(tmp_path):
    # the run stopped with 'likely cause: train.lr=0.001 (lower the learning rate first)',
    # a learning rate under which the same model in float32 trains
    (tmp_path / "half_net.py").write_text(HALF_NET)
    done = mia_train(*TINY, "hydra.run.dir=half", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert ("the loss became non-finite by epoch 1; likely cause: model._target_=half_net."
            "HalfNet returns its logits in float16, whose largest finite value is 65504: they "
            "most likely overflowed to inf") in done.stderr
    assert ("; if float32 logits still diverge, likely cause: train.lr=0.001 (lower the "
            "learning rate first)") in done.stderr
    done = mia_train(*TINY, "+model.half=false", "hydra.run.dir=single", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
