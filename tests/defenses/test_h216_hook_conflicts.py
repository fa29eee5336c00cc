"""Two defenses of a stack that each draw the batches or each set the gradients are refused,
as two that each run the forward pass are (h216): the engine takes the first defense's
batches (`_fit`: next non-None) and stops at the first backward that returns True
(`_step`: any()), so beside DP-SGD (order 0) a defense of one's own whose backward set the
gradients itself was never called, while the run was reported as 'dp+my_backward'; with an
order below DP-SGD's, DP-SGD's clipping and noise were the ones skipped."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.defenses import (
    DPSGD,
    DefenseFactory,
    Distillation,
    Dropout,
    EarlyStopping,
    LabelSmoothing,
    TrainingDefense,
    WeightDecay,
)
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


class OwnBackward(TrainingDefense):
    name = "own_backward"

    def backward(self, logits, loss, batch, ctx):
        loss.sum().backward()
        return True


class OwnBatches(TrainingDefense):
    name = "own_batches"

    def batches(self, ctx, epoch):
        return None


class OwnSteps(TrainingDefense):
    name = "own_steps"

    def steps_per_epoch(self, size, batch_size):
        return 1


def _dp() -> DPSGD:
    return DPSGD(noise_multiplier=1.0, target_epsilon=None)


@pytest.mark.parametrize(("own", "message"), [
    (OwnBackward, "defense: ['dp', 'own_backward'] each set the gradients themselves (their "
                  "backward hook) and only one can; keep one of them"),
    (OwnBatches, "defense: ['dp', 'own_batches'] each draw the training batches (their "
                 "batches or steps_per_epoch hook) and only one can; keep one of them"),
    (OwnSteps, "defense: ['dp', 'own_steps'] each draw the training batches (their "
               "batches or steps_per_epoch hook) and only one can; keep one of them"),
], ids=["backward", "batches", "steps"])  # fmt: skip
def test_two_defenses_for_one_hook_are_refused(own, message) -> None:
    with pytest.raises(ConfigError) as info:
        DefenseFactory([_dp, own])
    assert str(info.value) == message


def test_one_of_its_own_each_passes_and_built_ins_stack_as_before() -> None:
    DefenseFactory([OwnBackward, OwnBatches, Dropout])  # (one each: nothing dropped)
    DefenseFactory([_dp, LabelSmoothing, Dropout, WeightDecay, EarlyStopping, Distillation])


def test_mia_train_refuses_them_before_the_run_dir(make_cfg, tmp_path) -> None:
    own = f"+defense.mine._target_={__name__}.OwnBackward"
    check_config(make_cfg("defense=dp", own))  # (each value passes: the stack is refused)
    with pytest.raises(ConfigError, match="each set the gradients themselves"):
        check_defense_stack(make_cfg("defense=dp", own))
    err = refused_before_run_dir("defense=dp", own, cwd=tmp_path)
    assert "ConfigError: defense: ['dp', 'own_backward'] each set the gradients" in err


def test_dp_twice_is_said_once_not_as_each_hook() -> None:
    with pytest.raises(ConfigError) as info:
        DefenseFactory([_dp, _dp])
    assert str(info.value) == ("defense: defenses ['dp'] are listed more than once; ['dp', "
                               "'dp'] each run the training forward pass and only one can; "
                               "keep one of them")  # fmt: skip
