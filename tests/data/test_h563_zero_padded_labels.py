"""A CSV label column writing one number two ways, with and without leading zeros ('01' and
'1', as codes typed by hand or merged from two exports), was read as one class without a
word: `mia-train dataset=csv dataset.path=f.csv dataset.label_column=label` trained a
2-class task on labels '01', '1', '2'. If they are codes, they are different classes; the
loader keeps reading them as numbers and now warns, naming both spellings."""

from __future__ import annotations

import logging

from mia_defense.data import load_csv

_PLAN = {"population_size": 10, "test_size": 10, "reference_size": None, "seed": 0}


def _warned(tmp_path, caplog, labels: list[str]) -> list[str]:
    path = tmp_path / "f.csv"
    path.write_text("a,label\n" + "".join(f"{i * 0.37:.2f},{labels[i % len(labels)]}\n"
                                          for i in range(30)))
    with caplog.at_level(logging.WARNING):
        load_csv(path=path, label_column="label", plan=_PLAN)
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "leading zero" in r.getMessage()]


def test_one_number_spelt_with_and_without_zeros_is_warned(tmp_path, caplog):
    said = _warned(tmp_path, caplog, ["01", "1", "2"])
    assert len(said) == 1
    assert "'01'" in said[0] and "'1'" in said[0] and "line 2" in said[0]


def test_labels_padded_alike_are_not_warned(tmp_path, caplog):
    assert not _warned(tmp_path, caplog, ["01", "02", "03"])
    assert not _warned(tmp_path, caplog, ["0", "1", "10"])
