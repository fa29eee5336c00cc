"""dataset.label_column='' (or spaces only) was refused only once the run directory was made,
as "no column '' in the header [...]; set dataset.label_column", though no column can be
it (a column without a name is refused, or dropped); and ' label ' was "no column ' label '"
though the header's names are read without their surrounding spaces (as
dataset.drop_columns' are). check_label_column refuses the empty name before any data is
read, naming the key and what to set, and strips the others."""

from __future__ import annotations

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

_PLAN = {"population_size": 20, "test_size": 10}


def _csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i * 7 % 11},{i % 3}.5,{i % 2}\n"
                                            for i in range(40)))
    return path


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_an_empty_label_column_is_refused_naming_the_key(tmp_path, name):
    with pytest.raises(ConfigError, match=r"dataset.label_column=.*: an empty name; set it to "
                       r"the header name of the label column"):
        load_csv(path=_csv(tmp_path), label_column=name, plan=_PLAN)


def test_mia_train_refuses_it_before_the_run_directory(tmp_path):
    stderr = refused_before_run_dir("dataset=csv", f"dataset.path={_csv(tmp_path)}",
                                    "dataset.label_column=''", cwd=tmp_path)
    assert "ConfigError: dataset.label_column='': an empty name; set it to the header name " \
        "of the label column, e.g. dataset.label_column=income" in stderr
    assert "Traceback" not in stderr


def test_surrounding_spaces_are_ignored_as_the_headers_are(tmp_path):
    data = load_csv(path=_csv(tmp_path), label_column=" label ", plan=_PLAN)
    assert data.x.shape == (40, 2)
    assert sorted(set(data.y.tolist())) == [0, 1]
