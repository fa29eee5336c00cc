"""h545: a config of one's own whose ``defaults`` is no list (``defaults: config``,
``defaults:`` with nothing, a mapping) or holds an entry of no kind Hydra reads (``null``,
``5``, ``dataset: 5``, ``{}``, two keys in one entry) ended mia-train and mia-attack in a
traceback ending "ValueError: Invalid defaults list in 'own', defaults must be a list (got
str)" or "ValueError: Unsupported type in defaults : NoneType". Refused in one line now,
naming the file and what an entry is (`config_file_refusals.defaults_list_shape_refusal`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train

_FORMS = "an entry is a config's name ('config'), 'GROUP: NAME' ('dataset: breast_cancer')"


def _refusal(tmp_path: Path, files: dict[str, str], *args: str, tool=mia_train) -> str:
    for name, text in files.items():
        (tmp_path / "c" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "c" / name).write_text(text)
    done = tool("--config-dir", "c", "--config-name", "own", *args,
                f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'run'}",
                cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert "nothing was run" in lines[0] and not (tmp_path / "run").exists(), lines[0]
    return lines[0]


@pytest.mark.parametrize(("text", "kind"), [
    ("defaults: config\n", "a string"), ("defaults:\n", "null (nothing)"),
    ("defaults: {config: x}\n", "a mapping"), ("defaults: 5\n", "a number"),
], ids=["string", "empty", "mapping", "number"])
def test_defaults_that_is_no_list(tmp_path: Path, text: str, kind: str):
    said = _refusal(tmp_path, {"own.yaml": text})
    file = shown_path(str(tmp_path / "c" / "own.yaml"))
    assert said.startswith(f"ConfigError: {file}: its defaults is {kind}, where Hydra reads a "
                           f"list"), said
    assert "Write its entries as a list: 'defaults: [config, _self_]'" in said, said


@pytest.mark.parametrize(("entry", "words"), [
    ("null", "an entry that is null (nothing)"), ("5", "an entry that is a number"),
    ("dataset: 5", "an entry 'GROUP: VALUE' whose value is a number"),
    ("{}", "an entry Hydra cannot read (Missing group name in {})"),
    ("{dataset: x, model: y}", "an entry Hydra cannot read (Too many keys in default item"),
], ids=["null", "number", "group-number", "no-key", "two-keys"])
def test_an_entry_of_no_kind(tmp_path: Path, entry: str, words: str):
    said = _refusal(tmp_path, {"own.yaml": f"defaults: [config, {entry}, _self_]\n"})
    file = shown_path(str(tmp_path / "c" / "own.yaml"))
    assert said.startswith(f"ConfigError: {file}: its defaults list holds {words}"), said
    assert f"Correct or remove that entry: {_FORMS}" in said, said


def test_an_included_file_is_the_one_named(tmp_path: Path):
    said = _refusal(tmp_path, {"own.yaml": "defaults: [config, dataset: mine, _self_]\n",
                               "dataset/mine.yaml": "defaults: [null]\n"}, "-m", "seed=1,2")
    file = shown_path(str(tmp_path / "c" / "dataset" / "mine.yaml"))
    assert said.startswith(f"ConfigError: {file}: its defaults list holds an entry that is "
                           f"null"), said


def test_mia_attack_is_told_its_own_base(tmp_path: Path):
    (tmp_path / "o.npz").write_bytes(b"")
    said = _refusal(tmp_path, {"own.yaml": "defaults: mia_attack\n"},
                    tool=lambda *args, cwd: mia_attack("o.npz", *args, cwd=cwd))
    assert "its defaults is a string" in said and "[mia_attack, _self_]" in said, said
