"""h512: a defaults list's plain entry whose group part is misspelt (``- datset/breast_cancer``)
was told "Name one of the configs of datset, add datset/breast_cancer.yaml or remove the
entry", listing none and not saying that the group is not there. It now gets h506's words
for a group that is not there (`mia_defense.missing_config_refusals._no_such_group_words`):
the closest group and the groups there are. A misspelt config of a group that is there keeps
h509's words."""

from __future__ import annotations

from tests.hostile.test_h506_defaults_list_unknown_group import _own, _refusal


def test_a_plain_entry_in_a_group_that_is_not_there_names_the_closest_group(tmp_path):
    folder = _own(tmp_path / "conf", "  - datset/breast_cancer\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not load 'datset/breast_cancer': own's defaults "
                           "list names the config 'datset/breast_cancer' in the config group "
                           "'datset', which does not exist (did you mean 'dataset'?); nothing "
                           "was run. Name one of the config groups: "), said
    groups = said.partition("Name one of the config groups: ")[2].split(", ")
    assert {"dataset", "model", "defense"} <= set(groups), said


def test_a_misspelt_config_of_a_group_that_is_there_keeps_its_words(tmp_path):
    folder = _own(tmp_path / "conf", "  - dataset/breast_cancr\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not load 'dataset/breast_cancr': own's defaults "
                           "list names the config 'dataset/breast_cancr', which does not exist "
                           "(did you mean 'dataset/breast_cancer'?); nothing was run. Name one "
                           "of the configs of dataset ("), said
