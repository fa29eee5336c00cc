"""h512: a list of a config group's configs with a name that is not there
(``mia-train 'defense=[dpp,mixupp]'``, or a defaults list's ``- defense: [dpp, mixupp]``)
was refused for its last name alone, as a plain entry of config.yaml's: "Could not load
'defense/mixupp': config's defaults list names the config 'defense/mixupp', which does not
exist (did you mean 'defense/mixup'?) ... add defense/mixupp.yaml or remove the entry" (the
command line's choice, dpp unsaid), and ``- defens: [dpp]`` got no word that the group
itself is misspelt ("Name one of the configs of defens, ..."). The refusal
(`mia_defense.missing_config_refusals.unknown_group_words`) now names who chose the list and
every name of it that is no option (`no_option_words`), or the group that is not there."""

from __future__ import annotations

from tests.helpers import refused_before_run_dir
from tests.hostile.test_h506_defaults_list_unknown_group import _own, _refusal

_DEFENSES = ("advreg, distillation, dp, dropout, early_stopping, label_smoothing, mixup, "
             "none, relaxloss, weight_decay")


def test_the_command_lines_list_is_named_with_each_misspelt_name(tmp_path):
    said = refused_before_run_dir("defense=[dpp,mixupp]", cwd=tmp_path).strip()
    assert said == ("ConfigError: Could not load 'defense/mixupp': defense=[dpp,mixupp]: dpp "
                    "and mixupp are no options of the config group defense (did you mean dp "
                    "for dpp, mixup for mixupp?); nothing was run. Choose one of "
                    f"{_DEFENSES} (e.g. defense=dp)"), said


def test_a_defaults_lists_list_entry_is_named_as_written(tmp_path):
    folder = _own(tmp_path / "conf", "  - defense: [dp, mixupp]\n")
    said = _refusal(tmp_path, folder)
    assert said == ("ConfigError: Could not load 'defense/mixupp': own's defaults list's entry "
                    "'defense: [dp, mixupp]': mixupp is no option of the config group defense "
                    f"(did you mean mixup?); nothing was run. Choose one of {_DEFENSES} (e.g. "
                    "defense=mixup)"), said


def test_a_list_entry_of_a_misspelt_group_names_the_closest_group(tmp_path):
    folder = _own(tmp_path / "conf", "  - defens: [dpp]\n")
    said = _refusal(tmp_path, folder)
    assert said.startswith("ConfigError: Could not load 'defens/dpp': own's defaults list's "
                           "entry 'defens: [dpp]' names the config group 'defens', which does "
                           "not exist (did you mean 'defense'?); nothing was run. Name one of "
                           "the config groups: "), said
    assert said.count("did you mean") == 1, said
