"""h528: ``mia-attack o.npz --config-name config`` ran mia-train's packaged config (it leads
mia-attack's search path) and refused it key by key ("7 problems in the attack config:
+dataset: unknown top-level key ...", 8 lines; with PATH, "Could not override 'source'"),
never saying that config is mia-train's. `mia_defense.cli.arguments._group_option_problem`
now says so in one line, before Hydra runs."""

from __future__ import annotations

import pytest

from tests.helpers import mia_attack, mia_train


def _line(done) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("args", [
    ("o.npz", "--config-name", "config"),
    ("--config-name", "config"),
    ("o.npz", "-cn", "config.yaml"),
    ("o.npz", "--config-name=config"),
])
def test_mia_attack_given_mia_trains_config_says_so(tmp_path, args):
    (tmp_path / "o.npz").write_bytes(b"")
    said = _line(mia_attack(*args, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert "mia-train's config" in said and "nothing was run" in said, said
    assert "mia-attack runs mia_attack (drop --config-name)" in said, said
    assert "'defaults: [mia_attack, _self_]' in --config-dir DIR" in said, said
    assert not (tmp_path / "run").exists()


def test_mia_train_keeps_its_config(tmp_path):
    said = _line(mia_train("--config-name", "config", "train.lr=-1",
                           f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert "mia-train's config" not in said and "train.lr" in said, said
