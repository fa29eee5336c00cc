"""h542: one's own config files whose defaults lists include each other (a.yaml
``defaults: [b, _self_]``, b.yaml ``defaults: [a, _self_]``), or one that includes itself,
ended ``mia-train``/``mia-attack`` (and a ``-m`` sweep) in a RecursionError traceback out
of Hydra's defaults-list building. They are refused in one line now (exit 2, nothing run),
naming the loop's files and the entries to remove
(`mia_defense.config_file_refusals.defaults_loop_refusal`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train


def _files(tmp_path: Path, **texts: str) -> None:
    for name, text in texts.items():
        path = tmp_path / "l" / f"{name.replace('__', '/')}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "o.npz").write_bytes(b"")


def _line(tmp_path: Path, tool: str, *extra: str) -> str:
    run = {"train": mia_train, "attack": lambda *a, cwd: mia_attack("o.npz", *a, cwd=cwd),
           "sweep": lambda *a, cwd: mia_train("-m", *a, "train.epochs=1,2", cwd=cwd)}[tool]
    done = run("--config-dir", str(tmp_path / "l"), "--config-name", "a",
               f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'sweep'}",
               *extra, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert not (tmp_path / "run").exists() and not (tmp_path / "sweep").exists()
    return lines[0]


def _shown(tmp_path: Path, name: str) -> str:
    return shown_path(str(tmp_path / "l" / f"{name}.yaml"))


@pytest.mark.parametrize("tool", ["train", "attack", "sweep"])
def test_files_including_each_other_are_refused(tmp_path, tool):
    _files(tmp_path, a="defaults: [b, _self_]\n", b="defaults: [a, _self_]\n")
    said = _line(tmp_path, tool)
    a, b = _shown(tmp_path, "a"), _shown(tmp_path, "b")
    assert said.startswith("ConfigError: "), said
    assert f"({a} -> {b} -> {a})" in said, said
    assert "nothing was run" in said, said
    assert f"'a' from {b}'s defaults list, or 'b' from {a}'s" in said, said


@pytest.mark.parametrize("tool", ["train", "attack", "sweep"])
def test_file_including_itself_is_refused(tmp_path, tool):
    _files(tmp_path, a="defaults: [a, _self_]\n")
    said = _line(tmp_path, tool)
    a = _shown(tmp_path, "a")
    assert f"({a} -> {a})" in said, said
    assert f"Remove the entry 'a' from {a}'s defaults list" in said, said


def test_loop_through_a_group_names_its_entries_as_written(tmp_path):
    _files(tmp_path, a="defaults: [dataset: x, _self_]\n",
           dataset__x="defaults: [y, _self_]\n", dataset__y="defaults: [/a, _self_]\n")
    said = _line(tmp_path, "train")
    a, x, y = (_shown(tmp_path, name) for name in ("a", "dataset/x", "dataset/y"))
    assert f"({a} -> {x} -> {y} -> {a})" in said, said
    assert f"'/a' from {y}'s defaults list, 'y' from {x}'s, or 'dataset: x' from {a}'s" in \
        said, said  # (every entry of the loop: h545)
