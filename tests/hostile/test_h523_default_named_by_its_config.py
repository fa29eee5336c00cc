"""h523: with one's own config folder whose defaults list includes the packaged config
(``defaults: [config, _self_]``), a refusal credited config.yaml's choices to one's own file:
``mia-train --config-dir D --config-name own +model=cnn`` said "(model=mlp, D/own.yaml's
default)" and ``~defense=dp`` "(defense=[], D/own.yaml's default)", and an own.yaml
``- override model: cnn`` was not read at all ("model=mlp"). The primary config's choices
(`mia_defense.hydra_failure.primary_config`) now name the config whose defaults list made
each (`mia_defense.defaults_list_refusals._default_of`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train


def _refusal(tmp_path: Path, defaults: str, *overrides: str) -> tuple[str, Path]:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text(f"defaults:\n{defaults}  - _self_\n")
    done = mia_train("--config-dir", str(folder), "--config-name", "own", *overrides,
                     f"hydra.run.dir={tmp_path / 'run'}", "progress=false", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not (tmp_path / "run").exists()
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0], folder


@pytest.mark.parametrize(("override", "said"), [
    ("+model=cnn", "(model=mlp, config.yaml's default)"),
    ("~defense=dp", "(defense=[], config.yaml's default)"),
    ("~dataset=mnist", "dataset=digits is selected (config.yaml's default)"),
])
def test_the_included_configs_default_is_named_by_it(tmp_path, override, said):
    line, _ = _refusal(tmp_path, "  - config\n", override)
    assert said in line, line
    assert "own.yaml" not in line, line


@pytest.mark.parametrize(("override", "said"), [
    ("+model=mlp", "(model=cnn, {folder}/own.yaml's default)"),
    ("~model=mlp", "model=cnn is selected ({folder}/own.yaml's default)"),
])
def test_an_override_entry_of_ones_own_is_its_files_choice(tmp_path, override, said):
    line, folder = _refusal(tmp_path, "  - config\n  - override model: cnn\n", override)
    assert said.format(folder=folder) in line, line
