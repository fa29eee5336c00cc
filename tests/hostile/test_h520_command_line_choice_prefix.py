"""h520: a command line's choice that is no option of its group kept Hydra's "In 'own': "
prefix: ``mia-train --config-dir D --config-name own +dataset=breast_cancr`` said "In 'own':
Could not find 'dataset/breast_cancr': ...", as if own.yaml had chosen it (``dataset=...``
overriding the included config.yaml's entry said "In 'config': "). Where the choice is the
command line's (`mia_defense.missing_config_refusals.choice_made_in`) the refusal now
starts at "Could not find"; a defaults list's own entry keeps the name of its config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train


def _refusal(tmp_path: Path, folder: Path, name: str, *overrides: str) -> str:
    args = ("--config-dir", str(folder), "--config-name", name) if name else ()
    done = mia_train(*args, *overrides, f"hydra.run.dir={tmp_path / 'run'}", "progress=false",
                     cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not (tmp_path / "run").exists()
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("name", ["own", ""])  # ("": the packaged config.yaml)
@pytest.mark.parametrize("override", ["+dataset=breast_cancr", "dataset=breast_cancr"])
def test_a_command_line_choice_is_not_said_to_be_in_a_config(tmp_path, name, override):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text("defaults:\n  - config\n  - _self_\n")
    said = _refusal(tmp_path, folder, name, override)
    assert said.startswith("ConfigError: Could not find 'dataset/breast_cancr': breast_cancr "
                           "is no option of the config group dataset (did you mean "
                           "breast_cancer?); nothing was run. "), said


def test_a_defaults_lists_own_entry_keeps_the_name_of_its_config(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text("defaults:\n  - dataset: breast_cancr\n  - _self_\n"
                                     "hydra:\n  searchpath: [pkg://mia_defense.conf]\n")
    said = _refusal(tmp_path, folder, "own")
    assert said.startswith("ConfigError: In 'own': Could not find 'dataset/breast_cancr': "), said
