"""A defense of one's own whose forward or loss hook runs a backward pass itself, or whose
own batches hold labels outside the classes on a later batch of an epoch, is refused naming
the defense and the hook: the engine's own backward then doubled every gradient silently
(retain_graph=True) or ended in autograd's raw 'backward through the graph a second time',
and the labels in torch's raw 'Target 3 is out of bounds'."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense, cross_entropy
from mia_defense.errors import ConfigError
from tests.defenses.reference_runs import train_three


def _train(defense: type[TrainingDefense], *, stacked: bool = True) -> None:
    train_three(lambda: [defense()], stacked=stacked, epochs=1, reference=False)


@pytest.mark.parametrize("retain", [False, True])
@pytest.mark.parametrize("stacked", [True, False])
def test_a_loss_that_runs_its_own_backward_is_refused(retain, stacked):
    class OwnLoss(TrainingDefense):
        name = "own_loss"

        def loss(self, logits, batch, ctx) -> torch.Tensor:
            loss = cross_entropy(logits, batch)
            loss.sum().backward(retain_graph=retain)
            return loss

    with pytest.raises(ConfigError, match=r"^defense OwnLoss: its loss ran a backward pass "
                       r"itself .*a backward hook that returns True"):
        _train(OwnLoss, stacked=stacked)


def test_a_forward_that_runs_its_own_backward_is_refused():
    class OwnForward(TrainingDefense):
        name = "own_forward"

        def forward(self, batch: Batch, ctx: TrainContext) -> torch.Tensor:
            logits = ctx.stack.forward(batch.x)
            logits.sum().backward(retain_graph=True)
            return logits

    with pytest.raises(ConfigError, match=r"^defense OwnForward: its forward ran a backward "
                       r"pass itself"):
        _train(OwnForward)


class LaterBadLabels(TrainingDefense):
    """Draws three batches an epoch; the second's labels are two classes too high."""

    name = "later_bad_labels"

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch]:
        idx = ctx.members[:, :8]
        for shift in (0, 2, 0):
            yield Batch(x=ctx.x[idx], y=ctx.y[idx] + shift, target=ctx.y[idx] + shift,
                        valid=ctx.member_valid[:, :8], stepping=ctx.active.clone())


@pytest.mark.parametrize("stacked", [True, False])
def test_own_batches_with_bad_labels_after_the_first_are_refused(stacked):
    with pytest.raises(ConfigError, match=r"its batches must give .* not a Batch whose y holds "
                       r"the label [23], outside the 2 classes"):
        _train(LaterBadLabels, stacked=stacked)
