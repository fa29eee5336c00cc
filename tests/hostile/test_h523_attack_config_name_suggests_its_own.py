"""h523: a misspelt ``--config-name`` of mia-attack was pointed at mia-train's packaged
config: ``mia-attack --config-name confg`` said "(did you mean 'config'?) ... Name one of the
configs there (config, mia_attack) with --config-name, e.g. --config-name config", which
mia-attack then refuses key by key. `mia_defense.missing_config_refusals._missing_primary_words`
now offers only the configs the running tool runs: its own (``@hydra.main``'s) and those of
one's own config folder; mia-train's words keep its config.yaml."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import mia_attack, mia_train


def _line(done) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


def test_mia_attack_is_not_offered_mia_trains_config(tmp_path):
    said = _line(mia_attack("--config-name", "confg", cwd=tmp_path))
    assert "'config'" not in said and "--config-name config" not in said, said
    assert "Name one of the configs there (mia_attack) with --config-name" in said, said


def test_mia_attack_is_offered_a_config_of_ones_own_folder(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text("defaults:\n  - mia_attack\n  - _self_\n")
    said = _line(mia_attack("--config-dir", str(folder), "--config-name", "ow", cwd=tmp_path))
    assert "(did you mean 'own'?)" in said, said
    assert "Name one of the configs there (mia_attack, own) with --config-name, e.g. " \
        "--config-name own" in said, said


def test_mia_train_is_offered_its_config(tmp_path: Path):
    said = _line(mia_train("--config-name", "confg", f"hydra.run.dir={tmp_path / 'run'}",
                           cwd=tmp_path))
    assert "(did you mean 'config'?)" in said, said
    assert "Name one of the configs there (config) with --config-name" in said, said
