"""A training function of the user's own (train.fit) that ended the process instead of
returning the model (sys.exit on an error, or an argparse parse_args() that read mia-train's
own command line: 'unrecognized arguments', exit 2) stopped mia-train with its exit code and
left results.json saying 'running'. Refused now, by name, and recorded as failed."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError


def exits(model, members, recipe):
    sys.exit("giving up")


def parses_the_command_line(model, members, recipe):
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.parse_args(["--epochs", "3"])  # (what a script's main reads from sys.argv)
    return model


@pytest.mark.parametrize(("fit", "code"), [
    ("exits", "'giving up'"), ("parses_the_command_line", "2"),
])  # fmt: skip
def test_a_user_fit_that_exits_is_named_and_recorded(make_cfg, tmp_path, fit, code):
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.{fit}",
                   "plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
                   "attack.bootstrap=0")
    message = (rf"train.fit._target_={__name__}.{fit} called sys.exit\({code}\) \(model 0\) "
               "instead of returning the trained model")
    with pytest.raises(ConfigError, match=message):
        run(cfg, tmp_path)
    record = json.loads((tmp_path / "results.json").read_text())
    assert record["status"] == "failed"
    assert record["failed"]["error"] == "ConfigError"
