"""h174: a setting a message tells the user to type must work typed into a shell as shown.
``set dataset.delimiter=';'`` reached Hydra as ``dataset.delimiter=;`` (the shell ate the
quotes), which Hydra cannot parse; ``e.g. hydra.sweep.subdir=run_${hydra.job.num}`` and
``"key='${oc.decode:${oc.env:NAME,DEFAULT}}'"`` stopped in bash itself ('bad
substitution'). Each hint below is taken from the message, split into words by bash, and
parsed by Hydra's override parser into a config (resolved by OmegaConf), as mia-train does;
one is also run through mia-train itself."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from mia_defense.attack_setup import attack_config
from mia_defense.cli.arguments import (
    refuse_unexpanded_home,
    unnamed_group_choice,
    unquoted_non_ascii,
)
from mia_defense.composition_errors import sweep_of_unselected_points
from mia_defense.constraints import override_text, string_hint
from mia_defense.data.csv_file import load_csv
from mia_defense.data.tabular import load_npz
from mia_defense.errors import ConfigError, DataError
from mia_defense.hydra_node_checks import blank_folder_settings
from tests.cli.test_redteam_cli_runs import hydra_config
from tests.helpers import mia_train

_PARSER = OverridesParser.create()


def _typed(hint: str, env: dict[str, str] | None = None) -> dict:
    """The settings Hydra reads when ``hint`` is typed into bash as shown (with failglob,
    as zsh, macOS's shell, refuses a pattern such as [a,b] that matches no file)."""
    done = subprocess.run(["bash", "-O", "failglob", "-c", f"printf '%s\\0' {hint}"],
                          capture_output=True, check=False, timeout=10,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, (hint, done.stderr)
    words = done.stdout.decode().split("\0")[:-1]
    assert len(words) == 1, (hint, words)  # one setting, not split at a space
    override = _PARSER.parse_override(words[0])  # (raises on dataset.delimiter=;)
    config = OmegaConf.create()
    OmegaConf.update(config, override.key_or_group, override.value(), merge=True)
    old = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        return OmegaConf.to_container(config, resolve=True)
    finally:
        for name, value in old.items():
            os.environ.pop(name) if value is None else os.environ.update({name: value})


def _get(config: dict, key: str):
    for part in key.split("."):
        config = config[part]
    return config


def _message(call) -> str:
    with pytest.raises(DataError) as caught:
        call()
    return str(caught.value)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _npz(tmp_path: Path, x_key: str, y_key: str) -> Path:
    path = tmp_path / "s.npz"
    np.savez(path, **{x_key: np.arange(20) % 2, y_key: np.random.default_rng(0).random((20, 3))})
    return path


# (what, the message, the hint's words before and after it, the key, the value Hydra must read)
CASES = [
    ("excel ;", lambda t: load_csv(path=_csv(t, "sep=;\na;y\n1;0\n"), label_column="y"),
     "; set ", "$", "dataset.delimiter", ";"),
    ("excel |", lambda t: load_csv(path=_csv(t, "sep=|\na|y\n1|0\n"), label_column="y"),
     "; set ", "$", "dataset.delimiter", "|"),
    ("one column ;", lambda t: load_csv(path=_csv(t, "a;b;y\n1;2;0\n"), label_column="y"),
     "then set ", r"\)$", "dataset.delimiter", ";"),
    ("one column |", lambda t: load_csv(path=_csv(t, "a|b|y\n1|2|0\n"), label_column="y"),
     "then set ", r"\)$", "dataset.delimiter", "|"),
    ("one column tab", lambda t: load_csv(path=_csv(t, "a\tb\ty\n1\t2\t0\n"), label_column="y"),
     "then set ", r"\)$", "dataset.delimiter", "\\t"),  # (the loader reads \t as a tab)
    ("one column ,", lambda t: load_csv(path=_csv(t, "a,b,y\n1,2,0\n"), label_column="y",
                                        delimiter=";"),
     "then set ", r"\)$", "dataset.delimiter", ","),
    ("repeated name", lambda t: load_csv(path=_csv(t, "it's $x,b,it's $x,y\n1,2,3,0\n"),
                                         label_column="y"),
     r"columns \[1, 3\]; ", " skips them all", "dataset.drop_columns", "it's $x"),
    ("repeated name ;", lambda t: load_csv(path=_csv(t, '"a;b",c,"a;b",y\n1,2,3,0\n'),
                                           label_column="y"),
     r"columns \[1, 3\]; ", " skips them all", "dataset.drop_columns", "a;b"),
    ("unnamed column", lambda t: load_csv(path=_csv(t, ",b,y\n1,2,0\n"), label_column="y"),
     r"feature \(", " skips it", "dataset.drop_columns", ""),
    ("empty columns", lambda t: load_csv(path=_csv(t, "a,null,c,y\n1,,,0\n2,,,1\n3,,,0\n"),
                                         label_column="y"),
     r"drop them \(", r"\) or fill", "dataset.drop_columns", ["null", "c"]),
    ("empty columns, odd names", lambda t: load_csv(
        path=_csv(t, 'a,"it\'s $x",c d,y\n1,,,0\n2,,,1\n3,,,0\n'), label_column="y"),
     r"drop them \(", r"\) or fill", "dataset.drop_columns", ["it's $x", "c d"]),
    ("npz keys swapped", lambda t: load_npz(path=_npz(t, "lab els", "x;1"), x_key="lab els",
                                            y_key="x;1"),
     "set ", " and ", "dataset.x_key", "x;1"),
    ("npz keys swapped, y", lambda t: load_npz(path=_npz(t, "lab els", "x;1"), x_key="lab els",
                                               y_key="x;1"),
     "and ", "$", "dataset.y_key", "lab els"),
]


@pytest.mark.parametrize(("what", "call", "before", "after", "key", "value"), CASES,
                         ids=[case[0] for case in CASES])
def test_a_setting_a_loader_suggests_types_into_a_shell_as_shown(tmp_path, what, call, before,
                                                                 after, key, value):
    message = _message(lambda: call(tmp_path))
    found = re.search(f".*{before}(.+?){after}", message)  # (the last)
    assert found, message
    assert _get(_typed(found.group(1)), key) == value, message


@pytest.mark.parametrize("name", ["", "Unnamed: 0", "it's", "a\\b", "a\\", "$HOME", "${seed}",
                                  "true", "Null", "nan", "~x", "*", "a!b", "[a,b]", "{a}", ";",
                                  "a\"b", "it's \"$x\"", "x y\\", "id", "x.1", "`id`",
                                  "größe", "café au lait"])
def test_override_text_is_the_value_for_hydra_through_bash(name):
    assert _get(_typed(override_text("dataset.drop_columns", name)),
                "dataset.drop_columns") == name


@pytest.mark.parametrize("names", [["a", "b"], ["null", "c", "true"], ["a b", "$x", "${seed}"],
                                   ["it's", "a\\"], ["a\"b", ""], ["[x]", "~y"]])
def test_override_text_of_a_list_is_the_list_for_hydra_through_bash(names):
    assert _get(_typed(override_text("dataset.drop_columns", names)),
                "dataset.drop_columns") == names


def test_the_hydra_hints_type_into_a_shell_as_shown():
    problems = blank_folder_settings(hydra_config("MULTIRUN", sweep__subdir="  "))
    hint = re.search(r"e\.g\. (.+)$", problems[0]).group(1)
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' {hint}"], capture_output=True,
                           check=True).stdout.decode().split("\0")[:-1]
    assert words == ["hydra.sweep.subdir=run_${hydra.job.num}"]
    assert _PARSER.parse_override(words[0]).value() == "run_${hydra.job.num}"

    said = string_hint("3", {"int"})
    hint = re.search(r"the shell: (.+)\)$", said).group(1)
    hint = hint.replace("key", "seed").replace("NAME", "H174_SEED").replace("DEFAULT", "3")
    assert _typed(hint, {"H174_SEED": "5"})["seed"] == 5
    assert _typed(hint)["seed"] == 3

    said = sweep_of_unselected_points(  # the setting as Hydra got it, shell quotes gone
        "defense.dp.target_epsilon", ["defense=[dp],[dp,l2]",
                                      "+defense.dp.target_epsilon=${oc.env:H174_EPS}"])
    hint = re.search(r"write (.+?) \(Hydra's force-add", said).group(1)
    assert _typed(hint, {"H174_EPS": "2"})["defense"]["dp"]["target_epsilon"] == "2"


def test_mia_train_reads_the_delimiter_a_message_suggests(tmp_path):
    path = _csv(tmp_path, "a;b;y\n" + "".join(f"{i};{i % 3};{i % 2}\n" for i in range(20)))
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="y")
    hint = re.search(r"then set (.+)\)$", str(caught.value)).group(1)
    # bash splits the command line into words; mia-train's main runs in this process (the
    # installed script's --cfg job runs in a process of its own in test_import_weight)
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' dataset=csv {hint} --cfg job"],
                           capture_output=True, check=True).stdout.decode().split("\0")[:-1]
    done = mia_train(*words, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert yaml.safe_load(done.stdout)["dataset"]["delimiter"] == ";"


@pytest.mark.parametrize("value", ["/data/café.csv", "/data/my café.csv", "/data/it's café",
                                   "/data/$café", "/data/a\\café\\"])
def test_the_quotes_named_for_a_character_beyond_ascii_type_into_a_shell(value):
    said = unquoted_non_ascii([f"dataset.path={value}"])
    hint = re.search(r"quote the value for Hydra: (.+) in a shell$", said).group(1)
    assert _typed(hint)["dataset"]["path"] == value


@pytest.mark.parametrize(("typed", "path"), [("~/data/x.csv", "/data/x.csv"),
                                             ("~/my data/x,1.csv", "/my data/x,1.csv"),
                                             ("~/données.csv", "/données.csv")])
def test_the_home_a_tilde_message_names_types_into_a_shell(capsys, typed, path):
    with pytest.raises(SystemExit):
        refuse_unexpanded_home([f"dataset.path={typed}"])
    hint = re.search(r"write (.+) or the full path$", capsys.readouterr().err.strip()).group(1)
    assert _typed(hint, {"HOME": "/home/u"})["dataset"]["path"] == "/home/u" + path


@pytest.mark.parametrize(("override", "key", "value"), [
    ("defense=[dp,l2]", "defense", ["dp", "l2"]),
    ("model.hidden=[64,64]", "model.hidden", [64, 64]),
])
def test_the_mia_train_setting_the_api_names_types_into_a_shell(override, key, value):
    with pytest.raises(ConfigError) as caught:
        attack_config([override])
    hint = re.search(r"\(mia-train (.+?); a release", str(caught.value)).group(1)
    assert _get(_typed(hint), key) == value


def test_the_list_told_for_a_nested_list_types_into_a_shell():
    hint = re.search(r"write (.+)$", unnamed_group_choice(["defense=[[mixup]]"])).group(1)
    assert _typed(hint.replace("A", "dp").replace("B", "l2"))["defense"] == ["dp", "l2"]
