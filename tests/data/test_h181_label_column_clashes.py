"""dataset.drop_columns naming the label column (dataset.drop_columns=label, or '[x,label]'),
and dataset.categories naming it, were refused only once the data was read, after mia-train
had made the run directory (a folder holding only the error's log); the label column named
in another Unicode form in drop_columns was not caught before the data either. Now
check_config refuses them before the run directory (csv_columns.check_column_settings), in
the loader's words."""

from __future__ import annotations

import unicodedata

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


def _csv(tmp_path, label="label"):
    path = tmp_path / "d.csv"
    path.write_text(f"a,b,{label}\n" + "".join(f"{'xy'[i % 2]},{i % 3}.5,{i % 2}\n"
                                               for i in range(40)))
    return path


@pytest.mark.parametrize("setting, said", [
    ("dataset.drop_columns=[a,label]", "ConfigError: dataset.drop_columns: 'label' is the "
     "label column (dataset.label_column); list feature columns only"),
    ("dataset.categories={label:[x]}", "ConfigError: dataset.categories.label: 'label' is the "
     "label column (dataset.label_column); dataset.categories lists the categories of text "
     "feature columns"),
])
def test_mia_train_refuses_the_label_column_before_the_run_directory(tmp_path, setting, said):
    stderr = refused_before_run_dir("dataset=csv", f"dataset.path={_csv(tmp_path)}",
                                    "dataset.label_column=label", setting, cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


def test_the_label_column_in_drop_columns_in_another_unicode_form_is_refused_before_reading(
        tmp_path):
    path = _csv(tmp_path, unicodedata.normalize("NFD", "café"))
    path.write_text("not a CSV any more: the check comes first\n")
    with pytest.raises(ConfigError, match=r"dataset\.drop_columns: 'café' is the label column"):
        load_csv(path=path, label_column=unicodedata.normalize("NFC", "café"),
                 drop_columns=[unicodedata.normalize("NFD", "café")])
