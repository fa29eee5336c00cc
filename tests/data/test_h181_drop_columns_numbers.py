"""dataset.drop_columns=[1.5,x] (a header naming a column 1.5), true or null among the names
was refused as "must be a column name or a list of them, e.g. ..." without saying that
Hydra had read 1.5 as a number (true as a boolean, null as None), so that the names the
header writes could not be typed so. The refusal now says it and gives the setting with
them quoted for Hydra; the setting, typed into a shell, gives the names as text."""

from __future__ import annotations

import pytest

from mia_defense.data.csv_columns import check_drop_columns
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir
from tests.hostile.test_h181_mapping_for_a_list import _typed


def test_mia_train_says_hydra_read_a_number(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1.5,x,y,label\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n"
                                                for i in range(40)))
    stderr = refused_before_run_dir("dataset=csv", f"dataset.path={path}",
                                    "dataset.label_column=label", "dataset.drop_columns=[1.5,x]",
                                    cwd=tmp_path)
    assert "; Hydra read 1.5 as a value, not as a name: quote the names for Hydra as the " \
        "header writes them, e.g. 'dataset.drop_columns=[\"1.5\",x]'" in stderr
    hint = stderr.split("e.g. ")[-1].split("\n", 1)[0]
    assert _typed(hint) == ("dataset.drop_columns", ["1.5", "x"])


@pytest.mark.parametrize("value, typed", [
    (1.5, ("dataset.drop_columns", "1.5")),
    ([True, "x"], ("dataset.drop_columns", ["true", "x"])),
    ([None], ("dataset.drop_columns", ["null"])),
])
def test_each_reading_gets_the_setting_that_keeps_it_a_name(value, typed):
    with pytest.raises(ConfigError, match="as a value, not as a name") as caught:
        check_drop_columns(value)
    assert _typed(str(caught.value).split("e.g. ")[-1]) == typed


def test_a_nested_list_gets_no_such_hint():
    with pytest.raises(ConfigError) as caught:
        check_drop_columns([[1]])
    assert "as a value" not in str(caught.value)
