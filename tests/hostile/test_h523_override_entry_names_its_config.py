"""h523: an ``override dataset: breast_cancr`` of one's own config, after its ``- config``
(the packaged config.yaml), was refused as "In 'config': Could not find
'dataset/breast_cancr': ..." (Hydra names the config whose defaults list holds the entry
overridden), sending its user to a file they did not write: own.yaml's override made that
choice. `mia_defense.missing_config_refusals.choice_made_in` now names it: "In 'own': ..."."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import refusal_line


def _refusal(tmp_path: Path, defaults: str, *overrides: str) -> str:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text(f"defaults:\n{defaults}  - _self_\n")
    return refusal_line("--config-dir", str(folder), "--config-name", "own", *overrides,
                        cwd=tmp_path)


def test_an_override_entry_of_ones_own_is_named_as_its_configs(tmp_path):
    said = _refusal(tmp_path, "  - config\n  - override dataset: breast_cancr\n")
    assert said.startswith("ConfigError: In 'own': Could not find 'dataset/breast_cancr': "
                           "breast_cancr is no option of the config group dataset (did you "
                           "mean breast_cancer?); nothing was run. "), said


def test_the_command_lines_choice_over_it_is_the_command_lines(tmp_path):
    said = _refusal(tmp_path, "  - config\n  - override dataset: breast_cancer\n",
                    "dataset=breast_cancx")
    assert said.startswith("ConfigError: Could not find 'dataset/breast_cancx': "), said
