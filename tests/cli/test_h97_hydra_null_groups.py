"""Hydra's own config groups set to null (hydra/job_logging=null, hydra/launcher=[null])
ended mia-train in Hydra's traceback ("ValueError: Config group override must be a string or
a list. Got NoneType"), as null for the groups of conf/ did before (helper h97)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import null_group_override
from tests.helpers import mia_attack, mia_train


@pytest.mark.parametrize("arg", ["hydra/job_logging=null", "hydra/launcher=[null]",
                                 "hydra/sweeper=basic,null"])  # fmt: skip
def test_null_for_hydras_own_groups_is_found(arg):
    assert null_group_override(["train.epochs=1", arg]) == arg


def test_hydras_named_configs_are_left_alone():
    assert null_group_override(["hydra/job_logging=disabled", "hydra/job_logging=none"]) is None


@pytest.mark.parametrize(("tool", "source"), [(mia_train, ()), (mia_attack, ("a_run",))])
def test_the_tools_refuse_it_in_one_line(tmp_path, tool, source):
    done = tool(*source, "hydra/job_logging=null", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("ConfigError: hydra/job_logging=null: a config group takes the name "
                           "of one of its configs (Hydra's own, or files in conf/hydra/; "
                           "mia-train --hydra-help lists them), not null\n")
    assert list(tmp_path.iterdir()) == []
