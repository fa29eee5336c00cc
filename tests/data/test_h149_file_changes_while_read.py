"""Hostile inputs (helper 149): a data file that grows or shrinks while a loader reads it
(still being written or copied). A CSV a process kept appending to was read without end
(7 GB in 20 s, past the memory its size was checked for); one cut short lost its last rows
without a word."""

from __future__ import annotations

import os

import pytest

from mia_defense.data import csv_file, guards, load_cifar10, load_csv, load_purchase100, tabular
from mia_defense.errors import DataError
from tests.data.files import write_cifar_python

_ROWS = "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40))


def _changing(monkeypatch, module, path, change):
    """Make ``module``'s refuse_archive, which runs once the file's size is taken and
    before its rows are read, ``change`` the file first."""
    real = module.refuse_archive

    def refuse_archive(*args, **kwargs):
        change(path)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "refuse_archive", refuse_archive)


def _append(path):
    with open(path, "a") as handle:
        handle.write(_ROWS * 50)


def _cut(path):
    os.truncate(path, path.read_text().index("\n", path.stat().st_size // 2) + 1)


@pytest.mark.parametrize("change", [_append, _cut])
def test_a_csv_that_changes_size_while_read_is_refused(tmp_path, monkeypatch, change):
    path = tmp_path / "growing.csv"
    path.write_text("a,b,label\n" + _ROWS)
    _changing(monkeypatch, csv_file, path, change)
    with pytest.raises(DataError, match=r"growing\.csv: changed size while it was read \(\d+ "
                                        r"bytes when opened, \d+ now\): it is still being "
                                        r"written or copied; load it once it is complete"):
        load_csv(path=path, label_column="label")


@pytest.mark.parametrize("change", [_append, _cut])
def test_a_purchase_file_that_changes_size_while_read_is_refused(tmp_path, monkeypatch, change):
    path = tmp_path / "dataset_purchase"
    path.write_text("".join(f"{1 + i % 4}," + ",".join(str((i * j) % 2) for j in range(6))
                            + "\n" for i in range(40)))
    rows = path.read_text()
    _changing(monkeypatch, tabular, path,
              lambda p: p.write_text(rows * 3) if change is _append else change(p))
    with pytest.raises(DataError, match=r"dataset_purchase: changed size while it was read"):
        load_purchase100(path=path)


def test_a_cifar_batch_cut_short_while_read_is_refused(tmp_path, monkeypatch):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    batch = folder / "data_batch_1"
    real = guards.check_memory

    def check_memory(nbytes, *, source, what):
        if source == batch:  # the size is taken: now the copy is cut short
            os.truncate(batch, batch.stat().st_size - 100)
        return real(nbytes, source=source, what=what)

    monkeypatch.setattr(guards, "check_memory", check_memory)
    with pytest.raises(DataError, match=r"data_batch_1: changed size while it was read"):
        load_cifar10(path=folder)


def test_a_file_left_as_it_is_loads(tmp_path):
    path = tmp_path / "still.csv"
    path.write_text("a,b,label\n" + _ROWS * 5000)  # more than one 1 MB buffer
    assert len(load_csv(path=path, label_column="label", standardize=False)) == 200_000
