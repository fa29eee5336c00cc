"""A defense of one's own whose hooks give what the step cannot train on is refused naming the
defense and the hook, not left to a raw error deep in the step (vmap's ValueError, torch's
'Target 6 is out of bounds', autograd's 'backward through the graph a second time') or to a
run that trains wrong silently (logits of extra classes, gradients doubled)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
import torch

from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense
from mia_defense.errors import ConfigError
from tests.defenses.reference_runs import train_three

R = dataclasses.replace


def _train(defense: type[TrainingDefense], *, stacked: bool = True) -> None:
    train_three(lambda: [defense()], stacked=stacked, epochs=1, reference=False)


def _transforming(change: Callable[[Batch, TrainContext], Batch]) -> type[TrainingDefense]:
    """A defense class of one's own whose transform is ``change``."""

    class Own(TrainingDefense):
        name = "own"

        def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
            return change(batch, ctx)

    return Own


def _first_models(b: Batch, c: TrainContext) -> Batch:
    """The batch of all models but the last (vmap's raw ValueError: 'Expected all tensors to
    have the same size in the mapped dimension')."""
    return Batch(x=b.x[:-1], y=b.y[:-1], target=b.target[:-1], valid=b.valid[:-1],
                 stepping=b.stepping[:-1])  # fmt: skip


def test_a_transform_that_drops_a_model_is_refused():
    with pytest.raises(ConfigError, match=r"^defense Own: its transform must give a mia_defense"
                       r"\.defenses\.base\.Batch, not a Batch whose x holds 2 models' samples "
                       r"\(shape \[2, 8, 10\]\) in a chunk of 3$"):
        _train(_transforming(_first_models))


class OwnDraws(TrainingDefense):
    """Draws its own batches, of the first two models only."""

    name = "own_draws"

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch]:
        idx = ctx.members[:2, :8]
        yield Batch(x=ctx.x[idx], y=ctx.y[idx], target=ctx.y[idx],
                    valid=ctx.member_valid[:2, :8], stepping=ctx.active[:2].clone())  # fmt: skip


def test_batches_of_ones_own_for_fewer_models_are_refused():
    with pytest.raises(ConfigError, match=r"its batches must give .* not a Batch whose x holds "
                       r"2 models' samples"):
        _train(OwnDraws)


@pytest.mark.parametrize("stacked", [True, False])
@pytest.mark.parametrize(("change", "label"), [
    (lambda b, c: R(b, y=b.y + 6, target=b.y + 6), "[67]"),  # 'Target 6 is out of bounds'
    (lambda b, c: R(b, y=b.y - 1, target=b.y - 1), "-1"),
])  # fmt: skip
def test_a_transform_giving_labels_outside_the_classes_is_refused(change, label, stacked):
    with pytest.raises(ConfigError, match=r"^defense Own: its transform must give a mia_defense"
                       r"\.defenses\.base\.Batch, not a Batch whose y holds the label "
                       + label + r", outside the 2 classes \(labels 0 to 1\)"):
        _train(_transforming(change), stacked=stacked)


def test_labels_out_of_range_after_the_first_step_are_refused_too():
    steps = iter(range(100))

    def later(b: Batch, c: TrainContext) -> Batch:
        shift = 3 if next(steps) == 2 else 0
        return R(b, y=b.y + shift, target=b.y + shift)

    with pytest.raises(ConfigError, match=r"y holds the label [34], outside the 2 classes"):
        _train(_transforming(later))


def test_soft_labels_of_another_number_of_classes_are_refused():
    def soft(b: Batch, c: TrainContext) -> Batch:
        return R(b, target=torch.full((*b.y.shape, 3), 1 / 3))

    with pytest.raises(ConfigError, match=r"not a Batch whose target \(soft labels\) has 3 "
                       r"classes \(shape \[3, 8, 3\]\), not the 2 of the data"):
        _train(_transforming(soft))


class OwnBadLabelDraws(TrainingDefense):
    name = "own_bad_label_draws"

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch]:
        idx = ctx.members[:, :8]
        yield Batch(x=ctx.x[idx], y=ctx.y[idx] + 2, target=ctx.y[idx] + 2,
                    valid=ctx.member_valid[:, :8], stepping=ctx.active.clone())  # fmt: skip


def test_batches_of_ones_own_with_labels_outside_the_classes_are_refused():
    with pytest.raises(ConfigError, match=r"its batches must give .* not a Batch whose y holds "
                       r"the label [23], outside the 2 classes"):
        _train(OwnBadLabelDraws)


@pytest.mark.parametrize("retain", [False, True])
@pytest.mark.parametrize("stacked", [True, False])
def test_a_backward_that_sets_the_gradients_and_returns_false_is_refused(retain, stacked):
    # without retain_graph: autograd's raw 'Trying to backward through the graph a second
    # time'; with it: every gradient doubled, silently
    class OwnStep(TrainingDefense):
        name = "own_step"

        def backward(self, logits, loss, batch, ctx) -> bool:
            loss.sum().backward(retain_graph=retain)
            return False

    with pytest.raises(ConfigError, match=r"^defense OwnStep: its backward set the models' "
                       r"gradients but returned False.*return True"):
        _train(OwnStep, stacked=stacked)


def _forwarding(change: Callable[[torch.Tensor], torch.Tensor]) -> type[TrainingDefense]:
    """A defense class of one's own whose forward pass gives ``change`` of the stack's."""

    class OwnForward(TrainingDefense):
        name = "own_forward"

        def forward(self, batch: Batch, ctx: TrainContext) -> torch.Tensor:
            return change(ctx.stack.forward(batch.x))

    return OwnForward


@pytest.mark.parametrize(("change", "got"), [
    (lambda z: z[:, :4], r"\[3, 4, 2\]"),  # a raw IndexError
    (lambda z: torch.cat([z, z], -1), r"\[3, 8, 4\]"),  # trained on 4 classes, silently
])  # fmt: skip
def test_a_forward_giving_logits_of_another_batch_or_classes_is_refused(change, got):
    with pytest.raises(ConfigError, match=r"^defense OwnForward: its forward must give logits of "
                       r"shape \[3, 8, 2\] \(models, the batch's 8 samples, the 2 classes\), "
                       r"not a float32 tensor of shape " + got):
        _train(_forwarding(change))


@pytest.mark.parametrize("stacked", [True, False])
def test_hooks_that_keep_to_the_contract_still_train(stacked):
    class Fine(TrainingDefense):
        name = "fine"

        def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
            flipped = ctx.num_classes - 1 - batch.y
            return R(batch, y=flipped, target=flipped)

        def forward(self, batch: Batch, ctx: TrainContext) -> torch.Tensor:
            return ctx.stack.forward(batch.x)

        def backward(self, logits, loss, batch, ctx) -> bool:
            loss.sum().backward()
            return True

    _train(Fine, stacked=stacked)
