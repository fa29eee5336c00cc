"""A defense of the user's own (by ``_target_``, README "A defense of your own") in the
stack no longer turns off the up-front stack check (`check_defense_stack`) for the rest of
it: dp + mixup, early_stopping without a reference split, a weight decay set twice, and
``train.fit`` beside the user's defense were all refused only once the data was loaded,
leaving a run folder with the error's log (h107's check returned as soon as it met a
defense it does not build). mia-defense's own defenses are still the only ones built here;
the user's is named by its class's ``name`` for train.fit's refusal. Same wording."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.defenses import TrainingDefense
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


class Penalty(TrainingDefense):
    """A user's defense (README's example reduced to its name)."""

    name = "confidence_penalty"

    def __init__(self, beta: float = 0.1) -> None:
        self.beta = beta


OWN = f"+defense.penalty._target_={__name__}.Penalty"


def _fit(model, members, recipe):  # a user's training step (never called: refused first)
    return model


CASES = [
    (["defense=[dp,mixup]"],
     "defense: dp + mixup: a mixed sample depends on two records, doubling the per-record "
     "sensitivity; drop one of them"),
    (["defense=early_stopping", "plan.reference_size=0"],
     "defense: ['early_stopping'] need data outside the membership population: set "
     "plan.reference_size (e.g. plan.reference_size=300)"),
    (["defense=early_stopping", "plan.reference_size=50", "train.epochs=1"],
     "defense.early_stopping: train.epochs=1 leaves nothing to stop or restore (the one epoch "
     "is the last); raise train.epochs or drop the early_stopping defense"),
    (["defense=weight_decay", "train.weight_decay=0.1"],
     "train.weight_decay=0.1 is replaced by defense weight_decay's weight decay 0.005: set only "
     "one of them (leave train.weight_decay at 0 beside the weight_decay defense)"),
    ([f"+train.fit._target_={__name__}._fit"],
     f"train.fit._target_={__name__}._fit with defense=[confidence_penalty]: training-time "
     "defenses hook into the built-in engine, which your function replaces; apply them inside "
     "your function and drop defense= (release= still applies to the outputs)"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), CASES,
                         ids=["dp-mixup", "no-reference", "stopping-1-epoch", "decay-twice",
                              "train-fit"])  # fmt: skip
def test_a_stack_beside_a_defense_of_ones_own_is_still_checked_up_front(
    make_cfg, overrides, message
):
    cfg = make_cfg(*overrides, OWN)
    check_config(cfg)  # (its values each pass: the stack is what is refused)
    with pytest.raises(ConfigError) as info:
        check_defense_stack(cfg)
    assert str(info.value) == message


def test_sound_stacks_beside_a_defense_of_ones_own_pass(make_cfg):
    check_defense_stack(make_cfg(OWN))
    check_defense_stack(make_cfg("defense=dp", OWN))
    check_defense_stack(make_cfg("defense=early_stopping", "plan.reference_size=50", OWN))
    check_defense_stack(make_cfg("defense=weight_decay", "train.weight_decay=0.005", OWN))


def test_mia_train_leaves_no_run_directory_beside_a_defense_of_ones_own(tmp_path):
    stderr = refused_before_run_dir("defense=[dp,mixup]", OWN, cwd=tmp_path)
    assert "ConfigError: defense: dp + mixup: a mixed sample depends on two" in stderr
