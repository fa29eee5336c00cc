"""h528: an own.yaml's ``- override dataset: breast_cancr`` (after ``- config``) was refused
ending "(e.g. dataset=breast_cancer)": a command line's override, where own.yaml's line needs
the edit (the command line's would leave the file refusing every run without it). Where a
config file's override entry made the choice (`choice_made_in`), the example is that
entry's line in that file (`mia_defense.missing_config_refusals.override_entry_edit`); an
entry's own choice in a file of one's own (``- dataset: breast_cancr``) alike."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import refusal_line


def _refusal(tmp_path: Path, files: dict[str, str], *overrides: str) -> str:
    folder = tmp_path / "conf"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return refusal_line("--config-dir", str(folder), "--config-name", "own", *overrides,
                        cwd=tmp_path)


def test_an_override_entry_is_fixed_in_its_file(tmp_path):
    said = _refusal(tmp_path, {"own.yaml": "defaults:\n  - config\n  - override dataset: "
                                           "breast_cancr\n  - _self_\n"})
    assert said.startswith("ConfigError: In 'own': Could not find 'dataset/breast_cancr': "), said
    assert said.endswith(f"(e.g. write '- override dataset: breast_cancer' in "
                         f"{tmp_path / 'conf' / 'own.yaml'})"), said
    assert "dataset=breast_cancer" not in said, said


def test_the_file_named_is_the_included_one_holding_the_entry(tmp_path):
    said = _refusal(tmp_path, {
        "own.yaml": "defaults:\n  - base\n  - _self_\n",
        "base.yaml": "defaults:\n  - config\n  - override model: cnm\n  - _self_\n",
    })
    assert said.startswith("ConfigError: In 'base': Could not find 'model/cnm': "), said
    assert said.endswith(f"(e.g. write '- override model: cnn' in "
                         f"{tmp_path / 'conf' / 'base.yaml'})"), said


def test_the_command_lines_choice_keeps_the_command_lines_example(tmp_path):
    said = _refusal(tmp_path, {"own.yaml": "defaults:\n  - config\n  - override dataset: "
                                           "breast_cancer\n  - _self_\n"},
                    "dataset=breast_cancx")
    assert said.endswith("(e.g. dataset=breast_cancer)"), said


def test_an_entry_of_ones_own_is_fixed_in_its_file(tmp_path):
    listed = "".join(f"  - {g}: {c}\n" for g, c in (
        ("model", "mlp"), ("plan", "default"), ("train", "default"), ("attack", "default"),
        ("release", "full")))
    said = _refusal(tmp_path, {"own.yaml": f"defaults:\n  - dataset: breast_cancr\n{listed}"
                                           "  - defense: []\n  - _self_\n"})
    assert said.startswith("ConfigError: In 'own': Could not find 'dataset/breast_cancr': "), said
    assert said.endswith(f"(e.g. write '- dataset: breast_cancer' in "
                         f"{tmp_path / 'conf' / 'own.yaml'})"), said
