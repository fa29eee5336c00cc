"""h539: with own.yaml = ``defaults: [config, _self_]``, any defense selected before the
packaged config.yaml's body (an experiment's ``override /defense: [dp]``) made mia-train
refuse that config.yaml's ``defense: {}`` ("/.../conf/config.yaml: defense: {}: Hydra
merges a config file's mapping ... drop it"), a line the user did not write, where the
packaged config alone runs. `composed_overrides._empty_mapping_file_problems` leaves the
packaged config's ``defense: {}`` wherever it is included, as it did where it is primary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train, refusal_line


def _own(tmp_path: Path) -> list[str]:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text("defaults: [config, _self_]\n")
    return ["--config-dir", str(folder), "--config-name", "own"]


@pytest.mark.parametrize("overrides", [
    ("+experiment=tradeoff_dp",),
    ("+experiment=tradeoff_dp", "+defense=dp"),
])
def test_own_config_refused_as_the_packaged_one(tmp_path, overrides):
    packaged = refusal_line(*overrides, cwd=tmp_path)
    said = refusal_line(*_own(tmp_path), *overrides, cwd=tmp_path)
    assert "defense: {}" not in said and "config.yaml" not in said, said
    assert said == packaged, said


def test_own_config_composes_a_selected_defense(tmp_path):
    done = mia_train(*_own(tmp_path), "+experiment=tradeoff_dp", "defense.dp.target_epsilon=2",
                     "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "target_epsilon: 2" in done.stdout, done.stdout[-2000:]


def test_own_files_empty_defense_still_refused(tmp_path):
    args = _own(tmp_path)
    exp = tmp_path / "conf" / "experiment"
    exp.mkdir()
    (exp / "mine.yaml").write_text("# @package _global_\n"
                                   "defaults:\n  - override /defense: [dp]\ndefense: {}\n")
    said = refusal_line(*args, "+experiment=mine", cwd=tmp_path)
    assert "mine.yaml: defense: {}" in said, said
