"""An identifier column in a CSV (a customer number, pandas' row index after a filter, a
text id in a small file) was a feature without a word, unless it counted the rows without a
gap: a model memorised records by it and the attacks measured that, not the data's leak (a
text id of 90 rows: RMIA's AUC 0.71 against 0.56 without the column; mia-train, K=4). Such
a column is now warned about, naming it and ``dataset.drop_columns``, a key that skips
columns of the file (before it, the only way was to edit the file)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import ConfigError, DataError
from tests.conftest import TINY
from tests.helpers import mia_train, overridden

N = 90


def _write(path: Path, header: str, first: list[str] | None) -> Path:
    """A CSV of ``N`` rows: an optional first column (``first``), features a, b, a label."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N, 2))
    y = (x[:, 0] + rng.normal(size=N) > 0).astype(int)
    rows = [f"{a:.3f},{b:.3f},{t}" for (a, b), t in zip(x, y, strict=True)]
    if first is not None:
        rows = [f"{f},{r}" for f, r in zip(first, rows, strict=True)]
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return path


def _customers() -> np.ndarray:
    return np.random.default_rng(2).choice(np.arange(100_000, 999_999), N, replace=False)


def _warnings(caplog: pytest.LogCaptureFixture, path: Path, **settings) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        load_csv(path=path, label_column="label", **settings)
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    ("name", "first", "said"),
    [
        ("customer", [f"C{c}" for c in _customers()],
         "text column 'customer' holds a different value on every row (90 rows, e.g. "),
        ("customer_no", list(_customers()),
         "column 'customer_no' holds a different whole number on every row "),
        ("PassengerId", list(_customers()),
         "column 'PassengerId' holds a different whole number on every row "),
        ("Unnamed: 0", list(np.sort(np.random.default_rng(3).choice(200, N, replace=False))),
         "column 'Unnamed: 0' holds a different whole number on every row (0 to "),
        ("row", list(np.sort(np.random.default_rng(3).choice(200, N, replace=False))),
         "increasing down the file, as a row index with gaps does"),
    ],
)
def test_an_identifier_column_is_warned_naming_the_key_that_drops_it(tmp_path, caplog, name,
                                                                      first, said):
    path = _write(tmp_path / "ids.csv", f"{name},a,b,label", first)
    warned = [m for m in _warnings(caplog, path) if "identifier, not a feature" in m]
    assert len(warned) == 1 and said in warned[0], warned
    assert "dataset.drop_columns=" in warned[0]
    caplog.clear()
    assert not [m for m in _warnings(caplog, path, drop_columns=[name])
                if "identifier" in m]


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("income", list(_customers())),  # distinct whole numbers, in no order, no id's name
        ("customer_no", list(_customers() % 50)),  # repeats: no identifier
        ("city", [f"C{i % 40}" for i in range(N)]),  # text that repeats: categories
        ("customer_no", [f"{c}.5" for c in _customers()]),  # not whole numbers
    ],
)
def test_columns_that_are_no_identifier_are_not_warned(tmp_path, caplog, name, first):
    path = _write(tmp_path / "ok.csv", f"{name},a,b,label", first)
    assert not [m for m in _warnings(caplog, path) if "identifier" in m]


def test_drop_columns_skips_columns_unread(tmp_path):
    plain = load_csv(path=_write(tmp_path / "plain.csv", "a,b,label", None),
                     label_column="label")
    customers = [f"C{c}" for c in _customers()]
    for header, first, drop in [
        ("customer,a,b,label", customers, "customer"),  # one name
        ("customer,a,b,label", customers, ["customer"]),
        (",a,b,label", list(range(N)), [""]),  # pandas' index without a name
        ("note,a,b,label", ["x\0y"] + ["mixed"] * (N - 2) + ["3"], ["note"]),  # unread
    ]:
        path = _write(tmp_path / "d.csv", header, first)
        data = load_csv(path=path, label_column="label", drop_columns=drop)
        np.testing.assert_array_equal(data.x, plain.x)
        np.testing.assert_array_equal(data.y, plain.y)
    # a repeated name: every column of it goes (the header is refused without it)
    path = tmp_path / "twice.csv"
    path.write_text("a,x,b,x,label\n" + "".join(f"{a},{i},{b},{i * 2},{i % 2}\n" for i, (a, b)
                                                in enumerate(plain.x[:, :2] * 0 + 1)))
    assert load_csv(path=path, label_column="label", drop_columns=["x"]).x.shape == (N, 2)


@pytest.mark.parametrize(
    ("drop", "match"),
    [
        (["custmer"], r"dataset.drop_columns: .*d.csv has no column 'custmer' \(its columns: "
                      r".*\); did you mean 'customer'\?"),
        (["label"], r"dataset.drop_columns: 'label' is the label column"),
        (["customer", "a", "b"], r"drops every feature column of .*d.csv"),
        ([["customer"]], r"dataset.drop_columns=.*: must be a column name or a list of them"),
        ({"customer": 1}, r"dataset.drop_columns=.*: must be a column name or a list of them"),
    ],
)
def test_a_bad_drop_columns_is_refused_naming_the_key(tmp_path, drop, match):
    path = _write(tmp_path / "d.csv", "customer,a,b,label", [f"C{c}" for c in _customers()])
    with pytest.raises(ConfigError, match=match):
        load_csv(path=path, label_column="label", drop_columns=drop)


def test_mia_train_warns_of_the_id_and_drops_it_by_the_key(tmp_path):
    path = _write(tmp_path / "ids.csv", "Unnamed: 0,a,b,label",
                  [f"C{c}" for c in _customers()])
    plain = _write(tmp_path / "plain.csv", "a,b,label", None)
    settings = [*overridden(TINY, "plan.population_size=60"), "plan.test_size=30",
                "train.batch_size=16", "dataset=csv", "dataset.label_column=label",
                "attack.bootstrap=0"]
    results = {}
    for run, extra in [("kept", [f"dataset.path={path}"]),
                       ("dropped", [f"dataset.path={path}", "dataset.drop_columns='Unnamed: 0'"]),
                       ("plain", [f"dataset.path={plain}"])]:
        done = mia_train(*settings, *extra, f"hydra.run.dir={tmp_path / run}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        said = "text column 'Unnamed: 0' holds a different value on every row"
        assert (said in done.stderr) == (run == "kept"), done.stderr[-2000:]
        if run == "kept":
            assert "drop the column (\"dataset.drop_columns='Unnamed: 0'\")" in done.stderr
        results[run] = json.loads((tmp_path / run / "results.json").read_text())
    aucs = {run: {name: attack["auc"] for name, attack in result["attacks"].items()}
            for run, result in results.items()}
    assert aucs["dropped"] == aucs["plain"] != aucs["kept"]


@pytest.mark.parametrize(
    ("header", "first", "said", "drop"),
    [
        ("customer,a,b,label", [f"C{c}" for c in _customers()],
         "cannot be encoded usefully: drop the column (dataset.drop_columns=customer), encode "
         "it as numbers yourself, or raise dataset.max_categories", "customer"),
        (",a,b,label", list(range(N)),
         "a row number is not a feature (\"dataset.drop_columns=''\" skips it); drop the "
         "column or give it a name", ""),
    ],
)
def test_the_refusals_of_a_column_name_the_key_that_drops_it(tmp_path, header, first, said,
                                                            drop):
    path = _write(tmp_path / "d.csv", header, first)
    with pytest.raises(DataError) as refused:
        load_csv(path=path, label_column="label", max_categories=50)
    assert said in str(refused.value)
    assert load_csv(path=path, label_column="label", max_categories=50,
                    drop_columns=[drop]).x.shape == (N, 2)
    # a repeated name's refusal keeps its pinned wording; the key drops every column of it
    path.write_text("x,a,x,label\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(N)))
    assert load_csv(path=path, label_column="label", drop_columns="x").x.shape == (N, 1)


def test_a_drop_columns_of_the_wrong_type_is_refused_before_the_run_folder(tmp_path):
    from tests.helpers import refused_before_run_dir

    path = _write(tmp_path / "d.csv", "a,b,label", None)
    said = refused_before_run_dir("dataset=csv", f"dataset.path={path}",
                                  "dataset.label_column=label", "dataset.drop_columns=[[a]]",
                                  cwd=tmp_path)
    assert "dataset.drop_columns=[['a']]: must be a column name or a list of them" in said


def test_a_long_fixed_list_of_categories_is_no_identifier(tmp_path, caplog):
    # dataset.categories lists more names than the file has rows; its values repeat
    path = _write(tmp_path / "d.csv", "colour,a,b,label", [f"c{i % 3}" for i in range(N)])
    listed = {"colour": [f"c{i}" for i in range(N + 10)]}
    assert not [m for m in _warnings(caplog, path, categories=listed) if "identifier" in m]


def test_columns_that_cannot_be_identifiers_are_passed_over_at_once(monkeypatch):
    # a wide file of 0/1 features: 100,000 columns looked at one by one took 2.5 s
    from mia_defense.data import csv_columns

    calls = []
    monkeypatch.setattr(csv_columns, "numbers_rows", lambda column: calls.append(1) or False)
    values = np.random.default_rng(0).integers(0, 2, (40, 5000)).astype(np.float64)
    values[:, 7] = np.arange(40) * 3  # one column of distinct whole numbers
    table = csv_columns.Table([f"c{j}" for j in range(5000)], ["0"] * 40, np.arange(2, 42),
                              values, [None] * 5000)
    csv_columns.warn_row_numbers(table, path=Path("w.csv"))
    assert len(calls) == 1


def test_the_identifier_s_range_is_shown_with_all_its_digits(tmp_path, caplog):
    ids = _customers() * 100  # Kaggle's breast cancer data.csv: ids up to 911320502
    path = _write(tmp_path / "ids.csv", "id,a,b,label", list(ids))
    warned = [m for m in _warnings(caplog, path) if "identifier, not a feature" in m]
    assert f"({ids.min()} to {ids.max()})" in warned[0], warned


def test_a_dropped_column_with_a_fixed_list_is_refused_naming_both_keys(tmp_path):
    path = _write(tmp_path / "d.csv", "colour,a,b,label", [f"c{i % 3}" for i in range(N)])
    with pytest.raises(ConfigError, match=r"dataset.categories.colour: column 'colour' is "
                       r"dropped \(dataset.drop_columns\)"):
        load_csv(path=path, label_column="label", drop_columns="colour",
                 categories={"colour": ["c0", "c1", "c2"]})
