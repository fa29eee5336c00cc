"""CSV files with text (categorical) columns, like the Adult census file (issue 18, point 9):
one-hot encoded with scikit-learn's encoder fitted without the plan's test rows, text labels
kept as class labels, and a clear error naming the column for what cannot be encoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.preprocessing import OneHotEncoder

from mia_defense.cli.build import build_experiment, run
from mia_defense.data import load_csv
from mia_defense.errors import ConfigError, DataError
from mia_defense.experiment import prepare_data
from mia_defense.tracking import read_json

# Adult's layout: a space after each comma, '?' for an unknown workclass, text labels.
ADULT = """age, workclass, education, hours-per-week, sex, income
39, State-gov, Bachelors, 40, Male, <=50K
50, Self-emp-not-inc, Bachelors, 13, Male, <=50K
38, Private, HS-grad, 40, Male, <=50K
53, Private, 11th, 40, Male, <=50K
28, ?, Bachelors, 40, Female, <=50K
37, Private, Masters, 40, Female, >50K
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_text_columns_become_one_hot_blocks_in_the_columns_order(tmp_path):
    data = load_csv(path=_write(tmp_path / "adult.csv", ADULT), label_column="income",
                    standardize=False)  # fmt: skip
    # workclass: ?, Private, Self-emp-not-inc, State-gov; education: 11th, Bachelors,
    # HS-grad, Masters; sex: Female, Male (each sorted)
    expected = [
        [39, 0, 0, 0, 1, 0, 1, 0, 0, 40, 0, 1],
        [50, 0, 0, 1, 0, 0, 1, 0, 0, 13, 0, 1],
        [38, 0, 1, 0, 0, 0, 0, 1, 0, 40, 0, 1],
        [53, 0, 1, 0, 0, 1, 0, 0, 0, 40, 0, 1],
        [28, 1, 0, 0, 0, 0, 1, 0, 0, 40, 1, 0],
        [37, 0, 1, 0, 0, 0, 0, 0, 1, 40, 1, 0],
    ]
    np.testing.assert_array_equal(data.x, expected)
    assert data.x.dtype == np.float32
    np.testing.assert_array_equal(data.y, [0, 0, 0, 0, 0, 1])
    assert data.class_labels == ("<=50K", ">50K") and data.num_classes == 2


def test_standardize_scales_numbers_and_leaves_one_hot_features_0_or_1(tmp_path):
    data = load_csv(path=_write(tmp_path / "adult.csv", ADULT), label_column="income")
    for column in (0, 9):  # age, hours-per-week
        assert abs(data.x[:, column].mean()) < 1e-6
        assert abs(data.x[:, column].std() - 1) < 1e-5
    one_hot = np.delete(data.x, [0, 9], axis=1)
    assert set(np.unique(one_hot)) == {0.0, 1.0}


def test_the_features_do_not_depend_on_the_order_of_the_rows(tmp_path):
    lines = ADULT.splitlines()
    shuffled = [lines[0], *reversed(lines[1:])]
    a = load_csv(path=_write(tmp_path / "a.csv", ADULT), label_column="income")
    b = load_csv(path=_write(tmp_path / "b.csv", "\n".join(shuffled) + "\n"),
                 label_column="income")  # fmt: skip
    np.testing.assert_allclose(a.x, b.x[::-1], atol=1e-6)


# -- fitted without the plan's test rows ------------------------------------------------------

N = 60
PLAN = ["plan.num_models=2", "plan.population_size=30", "plan.test_size=20",
        "train.batch_size=8"]


def _table(colours: list[str], ages: np.ndarray) -> str:
    rows = [f"{age:g}, {colour}, {i % 2}" for i, (age, colour) in enumerate(zip(ages, colours,
                                                                              strict=True))]
    return "age, colour, label\n" + "\n".join(rows) + "\n"


def test_encoder_and_scaling_are_fitted_on_the_rows_outside_the_plans_test_set(tmp_path,
                                                                                  make_cfg):
    csv = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    colours = list(rng.choice(["red", "green"], size=N))
    ages = rng.integers(20, 60, size=N).astype(float)
    _write(csv, _table(colours, ages))
    cfg = make_cfg("dataset=csv", f"dataset.path={csv}", "dataset.label_column=label", *PLAN)
    test_idx = prepare_data(build_experiment(cfg)).plan.test_idx  # depends on N, not values
    fit = np.setdiff1d(np.arange(N), test_idx)
    assert len(test_idx) == 20 and len(fit) == 40  # 10 rows are in no split
    for row in test_idx[:3]:  # a colour and huge ages only in test rows
        colours[row], ages[row] = "violet", 1000.0
    _write(csv, _table(colours, ages))
    data = prepare_data(build_experiment(cfg))
    np.testing.assert_array_equal(data.plan.test_idx, test_idx)
    x = data.dataset.x
    raw = np.array(colours, dtype=object)[:, None]
    reference = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(raw[fit])
    np.testing.assert_array_equal(x[:, 1:], reference.transform(raw))  # green, red: no violet
    assert x.shape == (N, 3) and not x[test_idx[:3], 1:].any()
    scaled = (ages - ages[fit].mean()) / ages[fit].std()
    np.testing.assert_allclose(x[:, 0], scaled, rtol=1e-5)
    assert x[test_idx[0], 0] > 50  # scaled by the other rows' spread, not its own
    # Without a plan (the Python API) every row is fitted on: violet gets its column.
    everything = load_csv(path=csv, label_column="label")
    assert everything.x.shape == (N, 4)


def test_a_run_records_the_text_labels_as_class_labels(tmp_path, make_cfg):
    csv = _write(tmp_path / "adult.csv", ADULT + "".join(ADULT.splitlines(True)[1:]) * 9)
    cfg = make_cfg("dataset=csv", f"dataset.path={csv}", "dataset.label_column=income",
                   "plan.num_models=2", "plan.population_size=30", "train.epochs=1",
                   "train.batch_size=8", "attack.bootstrap=0")  # fmt: skip
    run(cfg, tmp_path / "run")
    results = read_json(tmp_path / "run" / "results.json")
    assert results["status"] == "complete" and results["class_labels"] == ["<=50K", ">50K"]
    assert results["config"]["plan"] == {
        "num_models": 2, "population_size": 30, "test_size": None, "reference_size": 0,
    }  # fmt: skip
    # the plan's split sizes and the run's seed, which draw the test split (not dataset.seed)
    assert results["config"]["dataset"]["plan"] == {
        "population_size": 30, "test_size": None, "reference_size": 0, "seed": 0,
    }  # fmt: skip


# -- what cannot be encoded is refused, naming the column -------------------------------------


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (ADULT, {"max_categories": 3}, r"column 'workclass' has 4 distinct text values \(e.g. "
         r"\['\?', 'Private', 'Self-emp-not-inc'\]\), more than dataset.max_categories=3"),
        (ADULT.replace("53, Private", "?, Private"), {},
         r"column 'age' mixes numbers \('39' on line 2\) and text \('\?' on line 5\)"),
        (ADULT.replace("50, Self-emp-not-inc", "50, 7"), {},
         r"column 'workclass' mixes numbers \('7' on line 3\) and text \('State-gov' on "
         r"line 2\)"),
        (ADULT.replace("38, Private", "38,  "), {},
         r"1 missing or NaN values \(first in column 'workclass', line 4\); impute or drop"),
    ],
    ids=["too-many-categories", "text-in-numbers", "number-in-text", "empty-text"],
)  # fmt: skip
def test_what_cannot_be_encoded_is_refused_naming_the_column(tmp_path, content, options,
                                                             message):
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(DataError, match=rf"bad.csv: {message}"):
        load_csv(path=path, label_column="income", **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_categories": 0}, r"dataset.max_categories=0: must be an integer >= 1"),
        ({"plan": {"num_models": 4, "test_sise": 3}}, r"dataset.plan.test_sise: unknown key; "
         r"dataset.plan takes the plan's \['population_size', 'test_size', 'reference_size'\]"),
        ({"plan": {"population_size": 6, "test_size": None, "reference_size": 0}},
         r"plan.population_size=6, plan.test_size=0.*too few samples for the plan"),
    ],
)  # fmt: skip
def test_bad_encoding_settings_name_the_key(tmp_path, options, message):
    with pytest.raises(ConfigError, match=message):
        load_csv(path=_write(tmp_path / "adult.csv", ADULT), label_column="income", **options)
