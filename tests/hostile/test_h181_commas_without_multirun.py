"""dataset.drop_columns=id,note (a list typed without brackets) without -m got Hydra's
"Ambiguous value for argument ... 1. To use it as a list, use key=[value1,value2] 2. To use
it as string, quote the value: key=\\'value1,value2\\' 3. ...": no key named, the list
unquoted (a pattern zsh refuses), a text offered for a config group. Now one ConfigError
naming the setting, with -m and, as fits the key, the list (shell-quoted, with its values)
or one choice of the group (`constraints.sweep_refusal`)."""

from __future__ import annotations

import pytest

from tests.helpers import refused_before_run_dir
from tests.hostile.test_h181_mapping_for_a_list import _typed


@pytest.mark.parametrize("override, key, items", [
    ("dataset.drop_columns=id,note", "dataset.drop_columns", ["id", "note"]),
    ("attack.fprs=0.1,0.01", "attack.fprs", [0.1, 0.01]),
    ("defense=dp,weight_decay", "defense", ["dp", "weight_decay"]),
])
def test_a_list_without_brackets_gets_the_list_to_type(tmp_path, override, key, items):
    stderr = refused_before_run_dir(override, cwd=tmp_path)
    assert f"ConfigError: {override}: Hydra reads values separated by commas as a sweep, one " \
        "run per value, which needs -m (--multirun); to run once per value, add -m" in stderr
    assert "Ambiguous value" not in stderr and "key=[value1,value2]" not in stderr
    hint = stderr.split(", write ", 1)[1].split(";", 1)[0].split("\n", 1)[0]
    assert _typed(hint) == (key, items)


def test_a_group_of_one_choice_is_told_to_choose_one(tmp_path):
    stderr = refused_before_run_dir("model=mlp,logistic", cwd=tmp_path)
    assert stderr.count("model=mlp,logistic: ") == 1
    assert "; for one run, choose one: model=mlp\n" in stderr
    assert "[" not in stderr.split("ConfigError: ", 1)[1].split("\n", 1)[0]  # no list


def test_api_audit_says_it_for_the_api():
    # api.audit kept Hydra's three lines, -m and the shell's quotes included
    from mia_defense import api
    from mia_defense.errors import ConfigError
    from tests.helpers import synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError) as caught:
        api.audit(obs, overrides=["attack.fprs=0.1,0.01"])
    assert str(caught.value) == (
        "attack overrides ['attack.fprs=0.1,0.01']: attack.fprs=0.1,0.01: Hydra reads values "
        "separated by commas as a sweep, one run per value, which the API does not run; call "
        "it once per value, or, where attack.fprs takes a list, write attack.fprs=[0.1,0.01]")
