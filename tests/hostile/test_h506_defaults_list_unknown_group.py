"""h506: a config of one's own (``--config-dir``) whose defaults list names a config group
that is not there (``- datset: breast_cancer``) was refused in Hydra's words: "In 'own':
Could not find 'datset/breast_cancer'" and the whole config search path, where
``+datset=breast_cancer`` says "did you mean 'dataset'?". Hydra gives no options there (the
group has none); the refusal now says in one line which defaults list names the group, that
it does not exist, the closest group (`mia_defense.errors.closest`) and the groups there
are. A choice that is no option of a group that is there keeps its words
(`_missing_config_line`)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import refusal_line


def _own(folder: Path, defaults: str, name: str = "own") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"defaults:\n{defaults}  - _self_\nhydra:\n  searchpath: [pkg://mia_defense.conf]\n")
    return folder


def _refusal(tmp_path: Path, folder: Path, name: str = "own") -> str:
    return refusal_line("--config-dir", str(folder), "--config-name", name, cwd=tmp_path)


def test_a_misspelt_group_in_ones_own_defaults_list_is_named_with_the_closest(tmp_path):
    folder = _own(tmp_path / "conf", "  - datset: breast_cancer\n  - model: cnn\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not find 'datset/breast_cancer': own's "
                           "defaults list names the config group 'datset', which does not "
                           "exist (did you mean 'dataset'?); nothing was run. "), said
    groups = said.partition("Name one of the config groups: ")[2].split(", ")
    assert {"dataset", "model", "defense", "train"} <= set(groups), said
    assert not any(group.startswith("hydra") for group in groups), said
    assert "search path" not in said and "provider=" not in said


def test_a_group_in_a_nested_config_of_ones_own_names_that_config(tmp_path):
    folder = _own(tmp_path / "conf", "  - model: mine\n")
    (folder / "model").mkdir()
    (folder / "model" / "mine.yaml").write_text("defaults:\n  - archh: foo\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not find 'model/archh/foo': model/mine's "
                           "defaults list names the config group 'model/archh', which does "
                           "not exist; nothing was run. "), said


def test_an_unknown_option_of_a_group_that_is_there_keeps_its_words(tmp_path):
    folder = _own(tmp_path / "conf", "  - dataset: breast_cancr\n")
    said = _refusal(tmp_path, folder)
    assert "breast_cancr is no option of the config group dataset (did you mean " \
           "breast_cancer?)" in said, said
    assert "does not exist" not in said
