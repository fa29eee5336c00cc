"""`mia-train launcher=joblib -m seed=1,2` (an option between overrides, as a new user adds
-m to a command they had) stopped on argparse's "unrecognized arguments: seed=1,2", which
did not say that options go first. It is refused naming the option and the command to write
(h107)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import option_after_overrides
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("args", "written"),
    [(["launcher=joblib", "-m", "seed=1,2"], "mia-train -m launcher=joblib seed=1,2"),
     (["train.epochs=3", "--cfg", "job", "train.lr=0.1"],
      "mia-train --cfg job train.epochs=3 train.lr=0.1")],
)  # fmt: skip
def test_an_option_between_overrides_is_named_with_the_command_to_write(args, written):
    message = option_after_overrides(args)
    assert message is not None
    assert message.startswith(f"ConfigError: {args[1]} after the override {args[0]}: options go "
                              "before every override")
    assert message.endswith(f"write {written}")


@pytest.mark.parametrize(
    "args",
    [["-m", "seed=1,2"], ["seed=1", "-m"], ["--cfg", "job", "train.lr=1"],
     ["--info", "config", "train.lr=1"], ["-cn", "config", "train.lr=1", "--cfg", "job"],
     ["-sc", "install=bash"], []],
)  # fmt: skip
def test_options_before_or_after_all_overrides_pass(args):
    assert option_after_overrides(args) is None


def test_mia_train_exits_2_with_the_message(tmp_path):
    done = mia_train("plan.num_models=2", "-m", "seed=1,2", cwd=tmp_path)
    assert done.returncode == 2
    assert "ConfigError: -m after the override plan.num_models=2: options go" in done.stderr
    assert "write mia-train -m plan.num_models=2 seed=1,2" in done.stderr
    assert not (tmp_path / "multirun").exists()
