"""DP-SGD on a CSV with text columns: the loader one-hot encodes them with the categories the
data holds, members included (a category one member alone holds is a feature of its own),
which ε does not cover. results.json said ``epsilon_valid: true`` with only a note ("the
CSV's text columns, if any, ...") when the scaling was off. Measured before the fix: a CSV
of 300 rows (a number column ``x``, a text column ``colour``), ``mia-train dataset=csv
dataset.standardize=false defense=dp`` wrote ``epsilon_valid: true`` and no reason."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from mia_defense.cli.build import run
from mia_defense.data import load_csv
from mia_defense.report import load_runs, summarise
from mia_defense.tracking import read_json
from tests.helpers import FAST

ROWS = 300
DP_CSV = ["defense=dp", "plan.num_models=2", "plan.population_size=150",
          "train.batch_size=16", *FAST]  # fmt: skip


def _write_csv(path: Path, *, text: bool) -> Path:
    """``ROWS`` rows: a number column, a text column (``colour``: one row alone holds
    ``violet``) when ``text``, and a 0/1 label."""
    rng = np.random.default_rng(0)
    numbers = rng.normal(size=ROWS)
    colours = rng.choice(["red", "green", "blue"], size=ROWS)
    colours[0] = "violet"
    labels = (numbers > 0).astype(int)
    header = "x,colour,label" if text else "x,label"
    lines = [f"{v:.4f},{c},{y}" if text else f"{v:.4f},{y}"
             for v, c, y in zip(numbers, colours, labels, strict=True)]  # fmt: skip
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def _privacy(make_cfg, tmp_path: Path, *, text: bool, standardize: bool,
             classes: str = "null") -> dict:
    csv = _write_csv(tmp_path / "d.csv", text=text)
    cfg = make_cfg("dataset=csv", f"dataset.path={csv}", "dataset.label_column=label",
                   f"dataset.standardize={str(standardize).lower()}",
                   f"dataset.num_classes={classes}", *DP_CSV)  # fmt: skip
    run(cfg, tmp_path / "run")
    return read_json(tmp_path / "run" / "results.json")["privacy"]


def test_the_csv_loader_records_its_one_hot_encoded_text_columns(tmp_path):
    data = load_csv(path=_write_csv(tmp_path / "d.csv", text=True), label_column="label")
    assert data.one_hot_columns == ("colour",)
    plain = load_csv(path=_write_csv(tmp_path / "n.csv", text=False), label_column="label")
    assert plain.one_hot_columns == ()


def test_dp_on_a_csv_with_a_text_column_says_epsilon_is_no_guarantee(make_cfg, tmp_path,
                                                                      caplog):
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        privacy = _privacy(make_cfg, tmp_path, text=True, standardize=False)
    assert privacy["epsilon_valid"] is False
    reason = privacy["epsilon_invalid_reason"]
    assert reason.startswith("the text columns ['colour'] were one-hot encoded with the "
                             "categories found in the data, members included")
    assert "a public list of categories" in reason and reason.endswith("for an ε that holds")
    assert "dataset.standardize" not in reason
    assert "text columns ['colour'] are one-hot encoded" in privacy["preprocessing"]
    assert "if any" not in privacy["preprocessing"]
    warned = [r.getMessage() for r in caplog.records
              if "ε will not be a guarantee" in r.getMessage()]  # fmt: skip
    assert warned and "the text columns ['colour']" in warned[0]
    (summary,) = summarise(load_runs([tmp_path / "run"]).runs)  # mia-report's reading
    assert summary.epsilon is not None and summary.epsilon_valid is False


def test_with_the_scaling_on_both_reasons_are_given(make_cfg, tmp_path):
    privacy = _privacy(make_cfg, tmp_path, text=True, standardize=True)
    reason = privacy["epsilon_invalid_reason"]
    assert privacy["epsilon_valid"] is False
    assert reason.startswith("the text columns ['colour'] were one-hot encoded")
    assert "for an ε that holds; dataset.standardize=true: the features were scaled" in reason


def test_dp_on_a_csv_of_numbers_unscaled_keeps_its_guarantee(make_cfg, tmp_path):
    # (dataset.num_classes given: classes taken from the labels are no guarantee, test_h309)
    privacy = _privacy(make_cfg, tmp_path, text=False, standardize=False, classes="2")
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy
    assert privacy["preprocessing"].endswith(
        "; the CSV has no text columns: nothing was one-hot encoded")


@pytest.mark.parametrize(("columns", "said"), [
    (None, "the CSV's text columns, if any, are one-hot encoded"),
    ((), "the CSV has no text columns"),
    (("colour", "city"), "the CSV's text columns ['colour', 'city'] are one-hot encoded"),
])  # fmt: skip
def test_the_note_says_what_is_known_of_the_text_columns(columns, said):
    from mia_defense.defenses.dp import preprocessing_note, preprocessing_reason

    dataset = {"_target_": "mia_defense.data.load_csv", "standardize": False, "num_classes": 2}
    assert said in preprocessing_note(dataset, one_hot_columns=columns)
    assert (preprocessing_reason(dataset, one_hot_columns=columns) is None) == (not columns)
