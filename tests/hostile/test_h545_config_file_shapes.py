"""h545: a config file of one's own of a shape Hydra cannot compose was refused in Hydra's
words, naming neither the file nor what to write: c/own.yaml = ``- a`` (a list) said
"primary config 'own' must be a DictConfig, got ListConfig", and ``defaults: [config,
_self_, _self_]`` (or an included file's) "Duplicate _self_ defined in own". Both name the
file now and say what to write (`config_file_refusals.config_shape_refusal`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train
from tests.helpers import own_config_refusal as _refusal


def _attack(*args: str, cwd: Path):
    return mia_attack("o.npz", *args, cwd=cwd)


@pytest.mark.parametrize("tool", [mia_train, _attack], ids=["train", "attack"])
def test_a_config_that_is_a_list(tmp_path: Path, tool):
    said = _refusal(tmp_path, {"own.yaml": "- a\n- b\n"}, tool)
    file = shown_path(str(tmp_path / "c" / "own.yaml"))
    assert said.startswith(f"ConfigError: {file} holds a list, where a config file holds a "
                           f"mapping of settings"), said
    base = "config" if tool is mia_train else "mia_attack"  # (the running tool's start: h559)
    assert f"a line 'defaults: [{base}, _self_]', then" in said, said


@pytest.mark.parametrize(("files", "named", "args"), [
    ({"own.yaml": "defaults: [config, _self_, _self_]\n"}, "own.yaml", ()),
    ({"own.yaml": "defaults: [config, _self_, _self_]\n"}, "own.yaml", ("-m", "seed=1,2")),
    ({"own.yaml": "defaults: [config, override dataset: s2, _self_]\n",
      "dataset/s2.yaml": "defaults: [_self_, _self_]\n"}, "dataset/s2.yaml", ()),
], ids=["own", "own-sweep", "included"])
def test_self_twice(tmp_path: Path, files, named, args):
    said = _refusal(tmp_path, files, mia_train, *args)
    file = shown_path(str(tmp_path / "c" / named))
    assert said.startswith(f"ConfigError: {file}'s defaults list holds '_self_' more than "
                           f"once"), said
    assert said.endswith("Keep one '_self_' (last, for the file's own settings to win)"), said
