"""h539: `mia_defense.cli.arguments._own_config_base_problem` (57640ff0) read only the named
file's own defaults list: with c/own.yaml = ``defaults: [mid, _self_]`` and c/mid.yaml =
``defaults: [config, _self_]``, ``mia-attack o.npz --config-dir c --config-name own`` still
said "no config group or key 'source'". It follows the plain entries of one's own files now
and names the file that lists config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_attack


def _files(tmp_path: Path, **texts: str) -> None:
    for name, text in texts.items():
        path = tmp_path / "c" / f"{name.replace('__', '/')}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "o.npz").write_bytes(b"")


def _line(tmp_path: Path, name: str, *source: str) -> str:
    done = mia_attack(*source, "--config-dir", "c", "--config-name", name,
                      f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert not (tmp_path / "run").exists()
    return lines[0]


@pytest.mark.parametrize("source", [("o.npz",), ()])
def test_config_named_through_an_own_file_is_refused(tmp_path, source):
    _files(tmp_path, own="defaults: [mid, _self_]\n", mid="defaults: [config, _self_]\n")
    said = _line(tmp_path, "own", *source)
    assert ("c/own.yaml is built on mia-train's config (through c/mid.yaml, whose defaults "
            "list names config") in said, said
    assert "Write 'defaults: [mia_attack, _self_]' in c/mid.yaml instead" in said, said
    assert "'source'" not in said and "unknown top-level key" not in said, said


def test_three_levels_and_a_subfolder(tmp_path):
    _files(tmp_path, sub__own="defaults: [mid, _self_]\n", sub__mid="defaults: [/top.yaml]\n",
           top="defaults:\n  - _self_\n  - /config\n")
    said = _line(tmp_path, "sub/own", "o.npz")
    assert "c/sub/own.yaml is built on mia-train's config (through c/top.yaml," in said, said


def test_a_subfolders_own_config_is_not_mia_trains(tmp_path):
    # ('config' in c/sub/mid.yaml is c/sub/config.yaml, not mia-train's)
    _files(tmp_path, sub__own="defaults: [mid, _self_]\n", sub__mid="defaults: [config]\n",
           sub__config="seed: 3\n")
    done = mia_attack("o.npz", "--config-dir", "c", "--config-name", "sub/own",
                      f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert "built on mia-train's config" not in done.stderr, done.stderr[-2000:]
