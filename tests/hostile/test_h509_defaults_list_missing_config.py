"""h509: a config of one's own (``--config-dir``) whose defaults list names a config group
that is there but holds no configs (``- emptyg: x``, an empty ``emptyg/``), or a plain
config that is not there (``- confx``), was refused in Hydra's words with the whole config
search path ("In 'own': Could not find 'emptyg/x'; config search path: ...", "In 'own':
Could not load 'confx'; ..."). Each is now one line in h506's words
(`mia_defense.missing_config_refusals.unknown_group_words`): which defaults list names it,
what is wrong, the closest config (`mia_defense.errors.closest`) and the fix."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.test_h506_defaults_list_unknown_group import _own, _refusal


def test_a_group_that_holds_no_configs_is_named_with_the_file_to_add(tmp_path):
    folder = _own(tmp_path / "conf", "  - emptyg: x\n")
    (folder / "emptyg").mkdir()
    said = _refusal(tmp_path, folder)
    assert said == ("ConfigError: Could not find 'emptyg/x': own's defaults list names the "
                    "config group 'emptyg', which holds no configs; nothing was run. Add "
                    "emptyg/x.yaml or remove the entry"), said


def test_a_plain_config_that_is_not_there_is_named_with_the_closest(tmp_path):
    folder = _own(tmp_path / "conf", "  - confx\n")
    (folder / "conf1.yaml").write_text("a: 1\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not load 'confx': own's defaults list names "
                           "the config 'confx', which does not exist (did you mean "
                           "'conf1'?); nothing was run. Name one of the configs there ("), said
    configs = said.partition("there (")[2].partition(")")[0].split(", ")
    assert "conf1" in configs and "config" in configs, said
    assert "own" not in configs and not any(c.startswith("_") for c in configs), said
    assert said.endswith("), add confx.yaml or remove the entry"), said
    assert "search path" not in said and "provider=" not in said


def test_a_plain_config_missing_in_a_nested_config_names_its_group(tmp_path: Path):
    folder = _own(tmp_path / "conf", "  - model: mine\n")
    (folder / "model").mkdir()
    (folder / "model" / "mine.yaml").write_text("defaults:\n  - mlpp\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not load 'model/mlpp': model/mine's defaults "
                           "list names the config 'model/mlpp', which does not exist (did you "
                           "mean 'model/mlp'?); nothing was run. Name one of the configs of "
                           "model ("), said
    configs = said.partition("of model (")[2].partition(")")[0].split(", ")
    assert "mlp" in configs and "cnn" in configs and "mine" not in configs, said
    assert said.endswith("), add model/mlpp.yaml or remove the entry"), said
