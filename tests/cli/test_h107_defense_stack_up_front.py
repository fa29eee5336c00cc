"""A defense stack the pipeline refuses whatever the data (dp + mixup, two losses, a defense
that needs a reference split with plan.reference_size=0) is refused by mia-train's config
check (`check_defense_stack`, after `check_config`), before the run directory is made, as
the README says ("The whole config is checked before the directory is touched"; "the run
stops up front otherwise"). It was refused once the data
was loaded, and left a run folder holding only the error's log. Same wording
(`check_defenses`). So are a defense's refusals of the training recipe alone (its ``plan``
hook: early_stopping at train.epochs=1, mixup at train.batch_size=1, an advreg warm-up as long
as training)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

CASES = [
    (["defense=early_stopping", "plan.reference_size=0"],
     "defense: ['early_stopping'] need data outside the membership population: set "
     "plan.reference_size (e.g. plan.reference_size=300)"),
    (["defense=[dp,mixup]"],
     "defense: dp + mixup: a mixed sample depends on two records, doubling the per-record "
     "sensitivity; drop one of them"),
    (["defense=[relaxloss,label_smoothing]"],
     "defense: ['relaxloss', 'label_smoothing'] each define the training loss and only one "
     "can; keep one of them"),
    (["defense=early_stopping", "plan.reference_size=50", "train.epochs=1"],
     "defense.early_stopping: train.epochs=1 leaves nothing to stop or restore (the one epoch "
     "is the last); raise train.epochs or drop the early_stopping defense"),
    (["defense=mixup", "train.batch_size=1"],
     "defense.mixup: train.batch_size=1 mixes each sample with itself (mixup mixes the samples "
     "of a batch), so it would do nothing; raise train.batch_size (e.g. 32) or drop the mixup "
     "defense"),
    (["defense=advreg", "plan.reference_size=50", "train.epochs=3",
      "defense.advreg.warmup_epochs=3"],
     "defense.advreg.warmup_epochs=3: not below train.epochs=3, so the min-max game never "
     "starts; lower warmup_epochs or raise train.epochs"),
    (["defense=weight_decay", "train.weight_decay=0.1"],
     "train.weight_decay=0.1 is replaced by defense weight_decay's weight decay 0.005: set only "
     "one of them (leave train.weight_decay at 0 beside the weight_decay defense)"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), CASES,
                         ids=["no-reference", "dp-mixup", "two-losses", "stopping-1-epoch",
                              "mixup-batch-1", "advreg-warm-up", "decay-twice"])  # fmt: skip
def test_a_stack_the_pipeline_refuses_is_refused_before_the_run_directory(
    make_cfg, overrides, message
):
    cfg = make_cfg(*overrides)
    check_config(cfg)  # (its values each pass: the stack is what is refused)
    with pytest.raises(ConfigError) as info:
        check_defense_stack(cfg)
    assert str(info.value) == message


def test_sound_stacks_pass(make_cfg):
    check_defense_stack(make_cfg("defense=early_stopping", "plan.reference_size=50"))
    check_defense_stack(make_cfg("defense=[dp,label_smoothing]"))
    check_defense_stack(make_cfg("defense=none"))
    check_defense_stack(make_cfg("defense=weight_decay", "train.weight_decay=0.005"))
    check_defense_stack(make_cfg("defense=[dp,weight_decay]", "train.epochs=1",
                                 "train.batch_size=1"))  # fmt: skip


def test_mia_train_leaves_no_run_directory_for_an_unsound_stack(tmp_path):
    stderr = refused_before_run_dir("defense=[dp,mixup]", cwd=tmp_path)
    assert "ConfigError: defense: dp + mixup: a mixed sample depends on two" in stderr


def _fit(model, members, recipe):  # a user's training step (never called: refused first)
    return model


@pytest.mark.parametrize(
    ("override", "message"),
    [("defense=dp",
      "train.fit._target_=tests.cli.test_h107_defense_stack_up_front._fit with defense=[dp]: "
      "training-time defenses hook into the built-in engine, which your function replaces; "
      "apply them inside your function and drop defense= (release= still applies to the "
      "outputs)"),
     ("train.engine=opacus",
      "train.engine=opacus with train.fit._target_=tests.cli.test_h107_defense_stack_up_front."
      "_fit: your function trains the models, not an engine; drop train.engine")],
    ids=["defense", "engine"],
)  # fmt: skip
def test_train_fit_beside_a_defense_or_an_engine_is_refused_before_the_run_directory(
    make_cfg, override, message
):
    """README: `defense=` is refused with train.fit; that was found once the data was
    loaded (the run folder kept the error's log)."""
    cfg = make_cfg("+train.fit._target_=tests.cli.test_h107_defense_stack_up_front._fit",
                   override)  # fmt: skip
    with pytest.raises(ConfigError) as info:
        check_defense_stack(cfg)
    assert str(info.value) == message
    check_defense_stack(make_cfg(f"+train.fit._target_={__name__}._fit"))  # alone: fine
