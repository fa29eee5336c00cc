"""A model of one's own returning complex values was told to return 'the model's scores
before any argmax or rounding' (mia-train dataset=breast_cancer model=custom
model._target_=pkg.ComplexNet, whose forward ends in .to(torch.complex64)), advice for
class indices that names no way out of complex outputs (h583)."""

from __future__ import annotations

import torch

from mia_defense.models.build import logits_problem


def test_complex_outputs_are_told_to_give_a_real_score_per_class():
    problem = logits_problem(torch.zeros(2, 3, dtype=torch.complex64))
    assert problem is not None
    assert "argmax" not in problem
    assert problem == ("returns torch.complex64 values, not logits (real floats, one per "
                       "class): return a real score per class (e.g. the magnitude, out.abs(), "
                       "or the real part, out.real, of its complex output)")


def test_integer_outputs_keep_the_argmax_advice():
    problem = logits_problem(torch.zeros(2, 3, dtype=torch.int64))
    assert problem is not None and problem.endswith("before any argmax or rounding")
