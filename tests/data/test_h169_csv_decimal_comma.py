"""A European export (';' between fields, decimal commas: 3,14) could not be read at all:
its numbers were refused as 'written as text', the fix being to rewrite the file.
``dataset.decimal=','`` now reads them; a number with a '.' in such a file (1.234,5 with a
thousands separator, or 1.5) is refused naming the line, as either reading may be wrong."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import ConfigError, DataError
from tests.conftest import TINY
from tests.helpers import mia_train, overridden, refused_before_run_dir

N = 60


def _files(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 2)) * [1, 100]
    rows = [(f"{a:.3f}", f"{b:.2f}", f"{int(a > 0)}", ["rot", "grün"][i % 2])
            for i, (a, b) in enumerate(x)]
    euro = tmp_path / "euro.csv"
    euro.write_text("a;b;farbe;label\n" + "".join(
        f"{a.replace('.', ',')};{b.replace('.', ',')};{c};{t}\n" for a, b, t, c in rows))
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b,farbe,label\n" + "".join(f"{a},{b},{c},{t}\n" for a, b, t, c in rows))
    return euro, plain


def test_decimal_commas_read_as_the_same_numbers(tmp_path):
    euro, plain = _files(tmp_path)
    read = load_csv(path=euro, label_column="label", delimiter=";", decimal=",")
    expected = load_csv(path=plain, label_column="label")
    np.testing.assert_array_equal(read.x, expected.x)
    np.testing.assert_array_equal(read.y, expected.y)
    assert read.one_hot_columns == ("farbe",)


def test_without_the_setting_the_refusal_names_it(tmp_path):
    euro, _ = _files(tmp_path)
    with pytest.raises(DataError, match=r"column 'a' holds numbers written as text \('-?\d,\d+' on "
                       r"line 2, .*categories; \"dataset.decimal=','\" reads decimal commas "
                       r"\(with a field separator other than ',', e.g. \"dataset.delimiter=';'\""
                       r"\); write plain numbers with a decimal point \(3.5, 0.12\)"):
        load_csv(path=euro, label_column="label", delimiter=";")


@pytest.mark.parametrize(("value", "written"), [("1.234,5", "'1234,5' (no thousands "
                                                 "separators)"),
                                                ("12.5", "'12,5' (a decimal comma)")])
def test_a_number_with_a_dot_is_refused_naming_the_line(tmp_path, value, written):
    path = tmp_path / "d.csv"
    path.write_text("a;label\n" + "".join(f"{i},5;{i % 2}\n" for i in range(10))
                    + f"\"{value}\";1\n" + "Dr. med.;0\n")
    with pytest.raises(DataError, match=rf"d.csv: line 12, column 'a' holds '{value}', a number "
                       rf"with a '.', where dataset.decimal=',' makes ',' the decimal mark: .*; "
                       rf"write {re.escape(written)}, or set \"dataset.decimal='.'\""):
        load_csv(path=path, label_column="label", delimiter=";", decimal=",")


def test_text_with_a_dot_stays_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a;title;label\n" + "".join(
        f"{i},5;{['Dr. med.', 'v1.2.3'][i % 2]};{i % 2}\n" for i in range(10)))
    data = load_csv(path=path, label_column="label", delimiter=";", decimal=",")
    assert data.one_hot_columns == ("title",)


@pytest.mark.parametrize(("settings", "match"), [
    ({"decimal": ";"}, r"dataset.decimal=';': must be '.' or ','"),
    ({"decimal": ","}, r"dataset.decimal=',' is dataset.delimiter too"),
])
def test_a_bad_decimal_is_refused(tmp_path, settings, match):
    _, plain = _files(tmp_path)
    with pytest.raises(ConfigError, match=match):
        load_csv(path=plain, label_column="label", **settings)


def test_mia_train_reads_a_european_export(tmp_path):
    euro, plain = _files(tmp_path)
    said = refused_before_run_dir("dataset=csv", f"dataset.path={euro}",
                                  "dataset.label_column=label", "dataset.decimal=x",
                                  cwd=tmp_path)
    assert "dataset.decimal='x': must be '.' or ','" in said
    settings = [*overridden(TINY, "plan.population_size=40"), "plan.test_size=20",
                "train.batch_size=8", "dataset=csv", "dataset.label_column=label",
                "attack.bootstrap=0"]
    aucs = {}
    for run, extra in [("euro", [f"dataset.path={euro}", "dataset.delimiter=';'",
                                 "dataset.decimal=','"]),
                       ("plain", [f"dataset.path={plain}"])]:
        done = mia_train(*settings, *extra, f"hydra.run.dir={tmp_path / run}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads((tmp_path / run / "results.json").read_text())
        aucs[run] = {name: attack["auc"] for name, attack in result["attacks"].items()}
    assert aucs["euro"] == aucs["plain"]
