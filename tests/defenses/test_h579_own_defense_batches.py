"""A defense of one's own whose batch transform (or batch draws) gives a Batch the step cannot
train on as meant is refused naming the defense and the hook: a cut x alone failed in
cross-entropy's raw RuntimeError, a y changed alone trained on the old labels silently."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense
from mia_defense.errors import ConfigError
from tests.defenses.reference_runs import train_three

Change = Callable[[Batch, TrainContext], Batch]


def _transforming(change: Change) -> type[TrainingDefense]:
    """A defense class of one's own whose transform is ``change``."""

    class Own(TrainingDefense):
        name = "own"

        def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
            return change(batch, ctx)

    return Own


def _train(defense: type[TrainingDefense], *, stacked: bool = True) -> None:
    train_three(lambda: [defense()], stacked=stacked, epochs=1, reference=False)


R = dataclasses.replace
REFUSED = [
    # x cut to half its samples, y, target and valid left as they were (RuntimeError
    # 'Expected target size [3, 4], got [3, 8]' from cross-entropy)
    (lambda b, c: R(b, x=b.x[:, : b.x.shape[1] // 2]),
     r"y has shape \[3, 8\] where x's \[3, 4, 10\] asks \[3, 4\] \(change the fields of a "
     r"Batch together"),
    # new labels in y, which the loss does not read: trained on the old ones, silently
    (lambda b, c: R(b, y=(b.y + 1) % c.num_classes),
     r"hard target \(the labels the loss fits\) differs from y .* changed alone: set both"),
    # soft labels without their class axis (IndexError: Dimension out of range)
    (lambda b, c: R(b, target=b.y.float()),
     r"target \(soft labels\) has shape \[3, 8\] where x's \[3, 8, 10\] asks \[3, 8, classes\]"),
    # a mask of 0s and 1s (module mode: IndexError, index 1 is out of bounds)
    (lambda b, c: R(b, valid=b.valid.long()), r"valid is a int64 tensor \(a bool one wanted\)"),
    (lambda b, c: R(b, y=b.y.float(), target=b.y.float()),
     r"y \(the hard labels\) is a float32 tensor \(an integer one wanted\)"),
    (lambda b, c: R(b, stepping=None), r"stepping is a NoneType, not a tensor"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "words"), REFUSED)
def test_a_transform_giving_a_batch_that_does_not_hold_together_is_refused(change, words):
    with pytest.raises(ConfigError, match=r"^defense Own: its transform must give a "
                       r"mia_defense.defenses.base.Batch, not a Batch whose " + words):
        _train(_transforming(change))


def test_one_model_at_a_time_is_refused_alike():
    with pytest.raises(ConfigError, match=r"defense Own: its transform .* differs from y"):
        _train(_transforming(lambda b, c: R(b, y=1 - b.y)), stacked=False)


@pytest.mark.parametrize("change", [
    lambda b, c: R(b, y=1 - b.y, target=1 - b.y),  # other labels, in both fields
    lambda b, c: R(b, y=b.y.clone()),  # the same labels in another tensor
    lambda b, c: R(b, x=b.x[:, :2], y=b.y[:, :2], target=b.target[:, :2], valid=b.valid[:, :2]),
])  # fmt: skip
def test_a_transform_changing_the_fields_together_trains(change):
    _train(_transforming(change))


class OwnDraws(TrainingDefense):
    """Draws its own batches, whose valid mask lacks the last sample."""

    name = "own_draws"

    def batches(self, ctx: TrainContext, epoch: int) -> Iterator[Batch]:
        idx = ctx.members[:, :8]
        yield Batch(x=ctx.x[idx], y=ctx.y[idx], target=ctx.y[idx],
                    valid=ctx.member_valid[:, :7], stepping=ctx.active.clone())  # fmt: skip


def test_batches_of_ones_own_that_do_not_hold_together_are_refused():
    with pytest.raises(ConfigError, match=r"a defense: its batches must give mia_defense."
                       r"defenses.base.Batch objects, not a Batch whose valid has shape \[3, 7\]"):
        _train(OwnDraws)


def test_a_gradient_step_of_ones_own_that_returns_none_is_refused_by_name():
    # (a backward hook that sets the gradients and forgets its return True)
    class OwnStep(TrainingDefense):
        name = "own_step"

        def backward(self, logits, loss, batch, ctx) -> bool:
            loss.sum().backward()

    with pytest.raises(ConfigError, match=r"defense OwnStep: its backward must give True or "
                       r"False, not NoneType"):
        _train(OwnStep)
