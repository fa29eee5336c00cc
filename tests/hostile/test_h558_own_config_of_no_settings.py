"""h558: a config file of one's own that holds no settings was refused in a traceback or in
words that did not fit it: one holding a single number (``5``), as the primary config or
as an included file, ended "OSError: Invalid loaded object type: int"; an empty one was
told mia-defense's own callback "is missing ... Keep '- hydra: default' in the primary
config's defaults", of a file with no defaults list. And a defaults that is no list
(``defaults: config``) was told mia-train's and mia-attack's starts alike, whichever ran.
Each is one line now, naming the file and the running tool's start only."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train
from tests.helpers import own_config_refusal as _refusal


def _attack(*args: str, cwd: Path):
    return mia_attack("o.npz", *args, cwd=cwd)


_TOOLS = {"train": (mia_train, "config"), "attack": (_attack, "mia_attack")}


@pytest.mark.parametrize("tool", ["train", "attack"])
@pytest.mark.parametrize(("files", "named", "kind"), [
    ({"own.yaml": "5\n"}, "own.yaml", "a number"),
    ({"own.yaml": "true\n"}, "own.yaml", "true or false"),
    ({"own.yaml": "defaults: [BASE, dataset: five, _self_]\n", "dataset/five.yaml": "5\n"},
     "dataset/five.yaml", "a number"),
], ids=["number", "bool", "included"])
def test_a_config_holding_one_value(tmp_path: Path, tool: str, files, named: str, kind: str):
    run, base = _TOOLS[tool]
    files = {name: text.replace("BASE", base) for name, text in files.items()}
    said = _refusal(tmp_path, files, run)
    file = shown_path(str(tmp_path / "c" / named))
    assert said.startswith(f"ConfigError: {file} holds {kind}, where a config file holds a "
                           f"mapping of settings"), said
    start = f"'defaults: [{base}, _self_]'" if named == "own.yaml" else "'key: value'"
    assert start in said and said.count("_self_") == int(named == "own.yaml"), said  # (h559)


@pytest.mark.parametrize("tool", ["train", "attack"])
@pytest.mark.parametrize("text", ["", "\n# nothing yet\n"], ids=["empty", "comment"])
def test_an_empty_config(tmp_path: Path, tool: str, text: str):
    run, base = _TOOLS[tool]
    said = _refusal(tmp_path, {"own.yaml": text}, run)
    file = shown_path(str(tmp_path / "c" / "own.yaml"))
    assert said.startswith(f"ConfigError: {file} is empty"), said
    assert f"starts with 'defaults: [{base}, _self_]'" in said, said
    assert "callback" not in said and said.count("_self_") == 1, said


@pytest.mark.parametrize("tool", ["train", "attack"])
def test_a_defaults_of_no_list_is_told_the_running_tools_start(tmp_path: Path, tool: str):
    run, base = _TOOLS[tool]
    said = _refusal(tmp_path, {"own.yaml": f"defaults: {base}\n"}, run)
    assert f"Write its entries as a list: 'defaults: [{base}, _self_]' (an entry is" in said, said
    assert said.count("_self_") == 2, said  # (that start's, and an entry's forms)


@pytest.mark.parametrize(("entry", "included"), [("../other", "other.yaml"),
                                                 ("../other: x", "other/x.yaml")],
                         ids=["config", "group"])
def test_an_included_file_out_of_the_config_folder(tmp_path: Path, entry: str, included: str):
    (tmp_path / included).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / included).write_text("seed: 77\n")  # (was merged under keys named '')
    said = _refusal(tmp_path, {"own.yaml": f"defaults: [config, {entry}, _self_]\n"}, mia_train)
    file = shown_path(str(tmp_path / included))
    path = entry.replace(": ", "/")
    assert said.startswith(f"ConfigError: {file}: the defaults list of 'own' names it as "
                           f"'{path}', named with '..' out of the config folders"), said
    assert "merge its settings under keys named ''" in said, said
    assert said.endswith("name them from there (DIR/other.yaml as 'other', DIR/other/x.yaml "
                         "as 'other: x')"), said


def test_an_included_file_out_of_the_config_folder_into_its_package(tmp_path: Path):
    (tmp_path / "other.yaml").write_text("# @package _global_\nseed: 77\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "own.yaml").write_text("defaults: [config, ../other, _self_]\n")
    done = mia_train("--config-dir", "c", "--config-name", "own", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0 and "\nseed: 77\n" in done.stdout, done.stderr[-2000:]
