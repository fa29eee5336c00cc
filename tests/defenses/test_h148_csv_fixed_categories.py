"""``dataset.categories``: a fixed, public list of categories per text column of a CSV. The
loader one-hot encoded every text column with the categories the data holds, members
included (0316dee: under DP-SGD, ``privacy.epsilon_valid`` false, with advice to encode such
columns beforehand, as the loader took no fixed list). With a fixed list the column's
features are that list, in its order, fitted on no row; a value outside the list is
refused; the column is no longer among ``Dataset.one_hot_columns``, so a CSV whose text
columns all have fixed lists keeps ε valid under DP with ``dataset.standardize=false``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.cli.build import run
from mia_defense.config import check_config
from mia_defense.data import load_csv
from mia_defense.errors import ConfigError, DataError
from mia_defense.tracking import read_json
from tests.helpers import FAST

ROWS = 300
COLOURS = ["red", "green", "blue"]
DP_CSV = ["defense=dp", "plan.num_models=2", "plan.population_size=150",
          "train.batch_size=16", *FAST]  # fmt: skip


def _write_csv(path: Path, *, city: bool = False, extra: str | None = None) -> Path:
    """``ROWS`` rows: a number column ``x``, a text column ``colour`` (of `COLOURS`; row 7
    holds ``extra`` when given), a text column ``city`` when ``city``, and a 0/1 label."""
    rng = np.random.default_rng(0)
    numbers = rng.normal(size=ROWS)
    colours = rng.choice(COLOURS, size=ROWS).astype(object)
    if extra is not None:
        colours[7] = extra
    cities = rng.choice(["paris", "oslo"], size=ROWS)
    labels = (numbers > 0).astype(int)
    header = "x,colour,city,label" if city else "x,colour,label"
    lines = [f"{v:.4f},{c},{t},{y}" if city else f"{v:.4f},{c},{y}"
             for v, c, t, y in zip(numbers, colours, cities, labels, strict=True)]  # fmt: skip
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def _cfg(make_cfg, csv: Path, *overrides: str):
    return make_cfg("dataset=csv", f"dataset.path={csv}", "dataset.label_column=label",
                    "dataset.standardize=false", *overrides)  # fmt: skip


def test_a_fixed_list_gives_those_features_in_its_order(tmp_path):
    csv = _write_csv(tmp_path / "d.csv")
    listed = ["blue", "violet", "red", "green"]  # violet: in the list, in no row
    data = load_csv(path=csv, label_column="label", standardize=False,
                    categories={"colour": listed})  # fmt: skip
    assert data.x.shape == (ROWS, 1 + len(listed)) and data.one_hot_columns == ()
    written = [line.split(",")[1] for line in csv.read_text().splitlines()[1:]]
    expected = np.array([[name == value for name in listed] for value in written])
    np.testing.assert_array_equal(data.x[:, 1:], expected.astype(np.float32))
    # without the list: the three categories found, in sorted order
    found = load_csv(path=csv, label_column="label", standardize=False)
    assert found.x.shape == (ROWS, 4) and found.one_hot_columns == ("colour",)


def test_dp_on_a_csv_whose_text_columns_all_have_fixed_lists_keeps_epsilon_valid(
    make_cfg, tmp_path
):
    csv = _write_csv(tmp_path / "d.csv")
    cfg = _cfg(make_cfg, csv, "dataset.categories={colour:[red,green,blue]}",
               "dataset.num_classes=2", *DP_CSV)  # (classes from the labels: test_h309)
    check_config(cfg)
    run(cfg, tmp_path / "run")
    privacy = read_json(tmp_path / "run" / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy
    assert privacy["preprocessing"].endswith(
        "; the CSV's text columns ['colour'] are one-hot encoded with the fixed lists of "
        "dataset.categories, which depend on no record")


def test_a_fixed_list_and_a_column_from_the_data_name_only_the_data_one(make_cfg, tmp_path):
    csv = _write_csv(tmp_path / "d.csv", city=True)
    cfg = _cfg(make_cfg, csv, "dataset.categories={colour:[red,green,blue]}", *DP_CSV)
    run(cfg, tmp_path / "run")
    privacy = read_json(tmp_path / "run" / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is False
    reason = privacy["epsilon_invalid_reason"]
    assert reason.startswith("the text columns ['city'] were one-hot encoded with the "
                             "categories found in the data, members included")
    assert "colour" not in reason
    assert "a public list of categories in dataset.categories" in reason
    assert reason.endswith("for an ε that holds")
    note = privacy["preprocessing"]
    assert ("text columns ['city'] are one-hot encoded with the list of categories taken "
            "from the data") in note
    assert note.endswith("the CSV's text columns ['colour'] are one-hot encoded with the "
                         "fixed lists of dataset.categories, which depend on no record")


def test_a_value_outside_the_fixed_list_is_refused(tmp_path):
    csv = _write_csv(tmp_path / "d.csv", extra="violet")
    with pytest.raises(DataError) as info:
        load_csv(path=csv, label_column="label", categories={"colour": COLOURS})
    assert str(info.value) == (
        f"{csv}: column 'colour' holds 1 value(s) outside its fixed list "
        "dataset.categories.colour (e.g. ['violet'], first on line 9); a value outside the "
        "list would have no feature: add those values to the list, or map them to listed "
        "categories in the file beforehand"
    )


@pytest.mark.parametrize(("override", "said"), [
    ("dataset.categories=[red,green]", "dataset.categories=['red', 'green']: must be a "
     "mapping of text columns to the list of their categories (e.g. "
     "dataset.categories='{colour:[red,green,blue]}'), or null"),
    ("dataset.categories={colour:red}", "dataset.categories.colour='red': must be a list of "
     "the column's categories (e.g. dataset.categories='{colour:[red,green,blue]}')"),
    ("dataset.categories={colour:[]}", "dataset.categories.colour=[]: an empty list; list "
     "the column's categories (e.g. dataset.categories='{colour:[red,green,blue]}'), or leave "
     "the column out of dataset.categories (its categories then come from the data)"),
    ("dataset.categories={colour:[red,3]}", "dataset.categories.colour=['red', 3]: 3 is no "
     "text category; a text column's categories are text (an empty field is a missing "
     "value, and a field that reads as a number makes the column one of numbers): list "
     "text values only"),
    ("dataset.categories={colour:[red,' red']}", "dataset.categories.colour=['red', ' red']: "
     "lists 'red' more than once (surrounding spaces ignored); give each category once"),
])  # fmt: skip
def test_bad_fixed_lists_are_refused_by_the_config_check(make_cfg, tmp_path, override, said):
    cfg = _cfg(make_cfg, _write_csv(tmp_path / "d.csv"), override)
    with pytest.raises(ConfigError) as info:
        check_config(cfg)
    assert str(info.value) == said


@pytest.mark.parametrize(("categories", "said"), [
    ({"x": COLOURS}, "dataset.categories.x: column 'x' of {csv} holds numbers, not text: it "
     "is one numeric feature, not one-hot encoded; leave it out of dataset.categories"),
    ({"color": COLOURS}, "dataset.categories.color: {csv} has no feature column 'color' (its "
     "feature columns: ['x', 'colour']); did you mean 'colour'?"),
    ({"label": COLOURS}, "dataset.categories.label: 'label' is the label column "
     "(dataset.label_column); dataset.categories lists the categories of text feature "
     "columns"),
    ({"colour": []}, "dataset.categories.colour=[]: an empty list"),
    ({"colour": "red"}, "dataset.categories.colour='red': must be a list"),
])  # fmt: skip
def test_the_loader_refuses_a_list_for_no_text_column_of_the_file(tmp_path, categories,
                                                                   said):
    csv = _write_csv(tmp_path / "d.csv")
    with pytest.raises(ConfigError) as info:
        load_csv(path=csv, label_column="label", categories=categories)
    assert str(info.value).startswith(said.format(csv=csv))
