"""h532: mia-attack given a config of one's own built on mia-train's config (``defaults:
[config, _self_]`` in --config-dir DIR) was refused for what it got from it: with PATH "no
config group or key 'source' (Key 'source' is not in struct) ...", without it "7 problems in
the attack config: +dataset: unknown top-level key ...", never saying that the file is built
on mia-train's config. `mia_defense.cli.arguments.shadowed_configs` now reads its defaults
list and says so in one line, before Hydra runs (as 6901e386 does for --config-name config)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_attack, mia_train


def _line(done) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(("defaults", "args"), [
    ("defaults: [config, _self_]\n", ("o.npz", "--config-dir", "g", "--config-name", "own")),
    ("defaults: [config, _self_]\n", ("-cn", "own.yaml", "-cd", "g")),
    ("defaults:\n  - /config.yaml\n  - _self_\nseed: 3\n",
     ("o.npz", "--config-name=own", "--config-dir=g")),
])
def test_an_own_config_on_mia_trains_config_is_named(tmp_path, defaults, args):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "own.yaml").write_text(defaults)
    (tmp_path / "o.npz").write_bytes(b"")
    said = _line(mia_attack(*args, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert said.startswith("ConfigError: "), said
    assert "g/own.yaml is built on mia-train's config" in said, said
    assert "not on mia_attack; nothing was run" in said, said
    assert "Write 'defaults: [mia_attack, _self_]' in it instead" in said, said
    assert "'source'" not in said and "unknown top-level key" not in said, said
    assert not (tmp_path / "run").exists()


def test_a_file_that_does_not_parse_is_left_to_hydra(tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "own.yaml").write_text("defaults: [config, _self_\n")
    (tmp_path / "o.npz").write_bytes(b"")
    done = mia_attack("o.npz", "--config-dir", "g", "--config-name", "own",
                      f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "cannot be read as YAML" in done.stderr, done.stderr[-2000:]
    assert "built on mia-train's config" not in done.stderr


def test_mia_train_keeps_an_own_config_on_its_config(tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "own.yaml").write_text("defaults: [config, _self_]\n")
    said = _line(mia_train("--config-dir", "g", "--config-name", "own", "train.lr=-1",
                           f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert "built on mia-train's config" not in said and "train.lr" in said, said
