"""release=topk among tied probabilities keeps the lowest classes, as argmax and
release=label_only answer: torch.topk's pick among ties depends on the number of classes
(and the device), so k=1 on a tie of classes 3 and 7 of 10 released class 7 where
label_only answered 3, and a row of equal logits released class 8 alone."""

from __future__ import annotations

import math

import pytest
import torch

from mia_defense.defenses.release import LabelOnlyRelease, TopKRelease


def _tied_logits(num_classes: int) -> torch.Tensor:
    logits = torch.zeros(4, num_classes)
    logits[0, [3, 7]] = 1.0  # two tied top classes
    logits[1, [0, 3, 7]] = 1.0  # three
    logits[3, [1, 2]] = 2.0  # row 2 all equal; row 3 ties at the top
    logits[3, [5, num_classes - 1]] = 1.0  # and at the second place
    return logits


@pytest.mark.parametrize("num_classes", [10, 100])
def test_topk_one_renormalised_answers_label_only(num_classes: int) -> None:
    logits = _tied_logits(num_classes)
    top = TopKRelease(k=1, renormalize=True)(logits)
    assert torch.equal(top, LabelOnlyRelease()(logits))
    assert top.argmax(-1).tolist() == [3, 0, 0, 1]


@pytest.mark.parametrize("num_classes", [10, 100])
def test_topk_keeps_the_lowest_tied_classes(num_classes: int) -> None:
    logits = _tied_logits(num_classes)
    released = TopKRelease(k=3)(logits)
    kept = [torch.isfinite(row).nonzero().flatten().tolist() for row in released]
    assert kept == [[0, 3, 7], [0, 3, 7], [0, 1, 2], [1, 2, 5]]
    # the kept values are the model's own log-probabilities
    own = torch.log_softmax(logits, dim=-1)
    assert torch.equal(released[torch.isfinite(released)], own[torch.isfinite(released)])
    assert math.isinf(float(released[0, 1]))
