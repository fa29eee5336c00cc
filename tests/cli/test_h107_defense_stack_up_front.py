"""A defense stack the pipeline refuses whatever the data (dp + mixup, two losses, a defense
that needs a reference split with plan.reference_size=0) is refused by the config check,
before the run directory is made, as the README says ("The whole config is checked before
the directory is touched"; "the run stops up front otherwise"). It was refused once the data
was loaded, and left a run folder holding only the error's log. Same wording
(`check_defenses`)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import mia_train

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
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), CASES,
                         ids=["no-reference", "dp-mixup", "two-losses"])  # fmt: skip
def test_a_stack_the_pipeline_refuses_is_refused_by_the_config_check(
    make_cfg, overrides, message
):
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg(*overrides))
    assert str(info.value) == message


def test_sound_stacks_pass(make_cfg):
    check_config(make_cfg("defense=early_stopping", "plan.reference_size=50"))
    check_config(make_cfg("defense=[dp,label_smoothing]"))
    check_config(make_cfg("defense=none"))


def test_mia_train_leaves_no_run_directory_for_an_unsound_stack(tmp_path):
    run_dir = tmp_path / "run"
    done = mia_train("defense=[dp,mixup]", f"hydra.run.dir={run_dir}", "progress=false",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "ConfigError: defense: dp + mixup: a mixed sample depends on two" in done.stderr
    assert not run_dir.exists()
