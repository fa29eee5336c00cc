"""A release of one's own that raises, or returns anything but a float tensor of the logits'
shape, is refused by the probe before training with a line naming it.

Before: a numpy array, a list or None ended mia-train in an AttributeError traceback from
the probe ('.detach'), an exception of the release's own in its traceback, a [batch]
tensor in an IndexError from the attacks after every model had trained, and a tensor one
class wider in an error blaming the model ('model._target_=... returned 11 outputs').
"""

from __future__ import annotations

import math

import pytest
import torch

from mia_defense.defenses import LabelOnlyRelease, Release, TopKRelease
from mia_defense.defenses.release import probe_release
from mia_defense.errors import ConfigError


def _release(output) -> Release:
    return type("Mine", (Release,), {"name": "mine", "__call__": lambda self, lg, g=None:
                                     output(torch.log_softmax(lg.float(), -1))})()


def _raise(_):
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize(("output", "got"), [
    (lambda lp: lp.numpy(), r"returned ndarray"),
    (lambda lp: lp.tolist(), r"returned list"),
    (lambda lp: None, r"returned NoneType"),
    (lambda lp: lp.max(-1).values, r"returned a tensor of dtype float32 and shape \[8\] "),
    (lambda lp: torch.cat([lp, lp[:, :1]], -1), r"shape \[8, 11\] for logits \[8, 10\]"),
    (lambda lp: torch.zeros(lp.shape, dtype=torch.long), r"dtype int64 and shape \[8, 10\]"),
], ids=["numpy", "list", "none", "flat", "wider", "integers"])
def test_an_output_of_another_kind_is_refused_before_training(output, got):
    with pytest.raises(ConfigError, match=rf"release .*Mine: .*{got}.*a release must return a "
                                          r"float torch tensor of the logits' shape"):
        probe_release(_release(output), num_classes=10)


def test_an_exception_of_the_release_is_one_line_naming_it_and_where():
    with pytest.raises(ConfigError, match=r"release .*Mine: raised RuntimeError \(boom\) on "
                                          r"random logits \[8, 10\] before training \(at "
                                          r".*test_hostile_defense_release_probe.py:\d+, in "
                                          r"_raise\); fix its __call__"):
        probe_release(_release(_raise), num_classes=10)


def test_the_packaged_and_a_half_precision_release_pass():
    for release in (TopKRelease(k=2), LabelOnlyRelease(), _release(lambda lp: lp.half())):
        probe_release(release, num_classes=10)


class _Picky(Release):
    name = "picky"

    def check(self, *, num_classes):
        if num_classes > 2:
            raise ValueError("binary tasks only")


def test_what_a_releases_own_check_raises_is_one_line_naming_it():
    # its ValueError was a traceback out of the pipeline's checks before training
    with pytest.raises(ConfigError, match=r"release .*_Picky: its check\(num_classes=10\) "
                                          r"refused the dataset: ValueError: binary tasks only "
                                          r"\(at .*, in check\)"):
        probe_release(_Picky(), num_classes=10)
    probe_release(_Picky(), num_classes=2)


def test_a_packaged_check_keeps_its_message():
    with pytest.raises(ConfigError, match=r"^release\.k=11: larger than the dataset's 10 "):
        probe_release(TopKRelease(k=11), num_classes=10)


@pytest.mark.parametrize(("output", "sum_"), [
    (lambda lp: lp - math.log(4), r"sum to 0\.25 .*with every class released"),  # scaled down
    (lambda lp: torch.nn.functional.logsigmoid(lp + 2), r"sum to \d\.\d+ \(top class"),  # per class
], ids=["quarter", "sigmoids"])  # fmt: skip
def test_outputs_that_are_no_distribution_are_refused_before_training(output, sum_):
    """mia-train trained with them, and mia-attack then refused the run's observations.npz
    (its check of the sums): now the probe refuses them before training."""
    with pytest.raises(ConfigError, match=rf"release .*Mine: on random logits \[8, 10\] before "
                                          rf"training, outputs: .*{sum_}"):
        probe_release(_release(output), num_classes=10)
