"""A list quoted for Hydra as well as for the shell ("attack.fprs='[0.1,0.01]'", or
dataset.drop_columns: '[id,note]' in a YAML file) reaches the config as text, brackets
included: attack.fprs was refused as "must be a non-empty list of numbers in (0, 1)"
without saying why, and dataset.drop_columns took '[id,note]' for one column's name,
refused only after the data was read ("has no column '[id,note]'"). Both now say it is
text and give the setting that makes the list (`constraints.quoted_list_hint`)."""

from __future__ import annotations

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir
from tests.hostile.test_h181_mapping_for_a_list import _typed


def test_fprs_given_as_text_gets_the_list_to_type(tmp_path):
    stderr = refused_before_run_dir("attack.fprs='[0.1,0.01]'", cwd=tmp_path)
    assert "ConfigError: attack.fprs='[0.1,0.01]': must be a non-empty list of numbers in " \
        "(0, 1); it is the text '[0.1,0.01]', brackets included (Hydra reads a value in its " \
        "quotes as text): quote the setting for the shell only, 'attack.fprs=[0.1,0.01]'" \
        in stderr
    assert _typed("'attack.fprs=[0.1,0.01]'") == ("attack.fprs", [0.1, 0.01])


def test_drop_columns_given_as_text_is_refused_before_the_run_directory(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,note,x,label\n" + "".join(f"{i},n,{i % 5},{i % 2}\n" for i in range(40)))
    stderr = refused_before_run_dir("dataset=csv", f"dataset.path={path}",
                                    "dataset.label_column=label",
                                    "dataset.drop_columns='[id, note]'", cwd=tmp_path)
    assert "ConfigError: dataset.drop_columns='[id, note]': one name, not a list; it is the " \
        "text '[id, note]', brackets included (Hydra reads a value in its quotes as text): " \
        "quote the setting for the shell only, 'dataset.drop_columns=[id,note]'" in stderr


def test_one_bracketed_name_is_told_at_the_header(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,x,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(40)))
    with pytest.raises(ConfigError, match=r"has no column '\[id\]' .*; it is the text '\[id\]'"
                       r", brackets included .*'dataset.drop_columns=\[id\]'"):
        load_csv(path=path, label_column="label", drop_columns="[id]")


def test_a_list_of_a_targets_signature_given_as_text_gets_the_list(tmp_path):
    # model.hidden: Sequence[int] (its check comes from the signature, not a Param)
    stderr = refused_before_run_dir("model.hidden='[8,8]'", cwd=tmp_path)
    assert "ConfigError: model.hidden='[8,8]': must be a list of integers " \
        "(mia_defense.models.MLP takes hidden: Sequence[int]); it is the text '[8,8]', " \
        "brackets included (Hydra reads a value in its quotes as text): quote the setting " \
        "for the shell only, 'model.hidden=[8,8]'" in stderr
