"""h559: config files of one's own that h558 left with words that did not fit them. A file
holding a bare string (``hello``, which OmegaConf reads as ``{hello: null}``) was told, as
the primary config, that mia-defense's own callbacks "are missing" (mia-attack: "no config
group or key 'source'"), and as an included one "+hello=null: unknown top-level key", an
override no one gave; an included list, Hydra's "cannot merge DictConfig with ListConfig".
A primary config with settings and no defaults list got the callback words too. A primary
config that is a list was told both tools' starts whichever ran; and ``--info defaults``
listed a file named with '..' out of the config folder, which the run refuses (c4449188).
Each is one line now, naming the file and the running tool's start only. An empty included
file is no mistake: Hydra merges nothing from it, and the run is the one without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train, own_config_refusal


def _attack(*args: str, cwd: Path):
    return mia_attack("o.npz", *args, cwd=cwd)


_TOOLS = {"train": (mia_train, "config"), "attack": (_attack, "mia_attack")}


@pytest.mark.parametrize("tool", ["train", "attack"])
@pytest.mark.parametrize(("files", "named", "kind"), [
    ({"own.yaml": "hello\n"}, "own.yaml", "a string ('hello')"),
    ({"own.yaml": "defaults: [BASE, extra, _self_]\n", "extra.yaml": "hello\n"}, "extra.yaml",
     "a string ('hello')"),
    ({"own.yaml": "defaults: [BASE, extra, _self_]\n", "extra.yaml": "- a\n- b\n"},
     "extra.yaml", "a list"),
], ids=["string", "included string", "included list"])
def test_a_config_holding_no_mapping(tmp_path: Path, tool: str, files, named: str, kind: str):
    run, base = _TOOLS[tool]
    files = {name: text.replace("BASE", base) for name, text in files.items()}
    said = own_config_refusal(tmp_path, files, run)
    file = shown_path(str(tmp_path / "c" / named))
    assert said.startswith(f"ConfigError: {file} holds {kind}, where a config file holds a "
                           f"mapping of settings; nothing was run"), said
    if named == "own.yaml":
        assert f"'defaults: [{base}, _self_]'" in said and said.count("_self_") == 1, said
    else:  # (that start written into an included file includes the base twice: refused)
        assert said.endswith(_INCLUDED_ADVICE) and "defaults: [" not in said, said
    assert "callback" not in said and "+hello" not in said, said


# How a refusal of an included file holding no mapping ends
_INCLUDED_ADVICE = ("Write it as one: a 'key: value' line for each setting it holds (an "
                    "included file needs no defaults line of its own)")


@pytest.mark.parametrize("tool", ["train", "attack"])
@pytest.mark.parametrize("text", ["5\n", "true\n", "hello\n"], ids=["number", "bool", "string"])
def test_an_included_group_file_holding_no_mapping(tmp_path: Path, tool: str, text: str):
    run, base = _TOOLS[tool]
    group = "dataset" if tool == "train" else "attack"
    files = {"own.yaml": f"defaults: [{base}, override {group}: hi, _self_]\n",
             f"{group}/hi.yaml": text}
    said = own_config_refusal(tmp_path, files, run)
    file = shown_path(str(tmp_path / "c" / group / "hi.yaml"))
    assert said.startswith(f"ConfigError: {file} holds "), said
    assert said.endswith(_INCLUDED_ADVICE) and "defaults: [" not in said, said


@pytest.mark.parametrize("tool", ["train", "attack"])
@pytest.mark.parametrize("text", ["train: {epochs: 2}\n", "defaults: []\nseed: 3\n",
                                  "defaults: [_self_]\nseed: 3\n"],
                         ids=["none", "empty", "self only"])
def test_a_config_of_settings_on_no_base(tmp_path: Path, tool: str, text: str):
    run, base = _TOOLS[tool]
    said = own_config_refusal(tmp_path, {"own.yaml": text}, run)
    file = shown_path(str(tmp_path / "c" / "own.yaml"))
    name = "mia-train" if tool == "train" else "mia-attack"
    assert said.startswith(f"ConfigError: {file}: its defaults list includes no config, so "
                           f"none of {name}'s config ({base}.yaml: its settings, its checks "
                           f"of the run) is in it; nothing was run"), said
    assert f"starts with 'defaults: [{base}, _self_]'" in said, said
    assert "callback" not in said and said.count("_self_") == 1, said


@pytest.mark.parametrize("tool", ["train", "attack"])
def test_a_primary_list_is_told_the_running_tools_start(tmp_path: Path, tool: str):
    run, base = _TOOLS[tool]
    said = own_config_refusal(tmp_path, {"own.yaml": "- a\n- b\n"}, run)
    assert " holds a list, where a config file holds a mapping of settings" in said, said
    assert f"'defaults: [{base}, _self_]'" in said and said.count("_self_") == 1, said


def test_an_empty_included_file_adds_nothing(tmp_path: Path):
    """(holds both ways: Hydra composes an empty file as no settings; pins that the refusals
    above leave it so)"""
    shown = {}
    for folder, text in (("c", "defaults: [config, extra, _self_]\n"),
                         ("d", "defaults: [config, _self_]\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "own.yaml").write_text(text)
        (tmp_path / folder / "extra.yaml").write_text("")
        done = mia_train("--config-dir", folder, "--config-name", "own", "--cfg", "job",
                         cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        shown[folder] = done.stdout
    assert shown["c"] == shown["d"] and "\nseed: 0\n" in shown["c"], shown


def test_info_defaults_refuses_a_climbing_include_as_the_run_does(tmp_path: Path):
    (tmp_path / "other.yaml").write_text("seed: 77\n")
    said = own_config_refusal(tmp_path, {"own.yaml": "defaults: [config, ../other, _self_]\n"},
                              mia_train, "--info", "defaults")
    file = shown_path(str(tmp_path / "other.yaml"))
    assert said.startswith(f"ConfigError: {file}: the defaults list of 'own' names it as "
                           "'../other', named with '..' out of the config folders"), said


def test_info_defaults_lists_a_climbing_include_of_its_own_package(tmp_path: Path):
    (tmp_path / "other.yaml").write_text("# @package _global_\nseed: 77\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "own.yaml").write_text("defaults: [config, ../other, _self_]\n")
    done = mia_train("--config-dir", "c", "--config-name", "own", "--info", "defaults",
                     cwd=tmp_path)
    assert done.returncode == 0 and "| ../other " in done.stdout, done.stderr[-2000:]
