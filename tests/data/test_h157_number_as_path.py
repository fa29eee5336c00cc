"""A number given as a data path from Python (``load_csv(path=2024)``) was refused as
'must be a path (text)' with no word of what to pass instead; inside a Hydra job the
refusal gives the config check's hint (constraints.number_hint, 00b6ff4)."""

from __future__ import annotations

import pytest

from mia_defense.data import paths
from mia_defense.data.csv_file import load_csv
from mia_defense.data.tabular import load_npz
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("value", "hint"), [
    (2024, "; 2024 is a number, not text: pass the path as a str or pathlib.Path "
           "(path='2024' for a file of that name)"),
    (2.5, "; 2.5 is a number, not text"),
    (True, "; True is a bool, not text: pass the path as a str or pathlib.Path"),
])  # fmt: skip
def test_a_number_from_python_is_told_to_be_text(value, hint):
    with pytest.raises(ConfigError) as refused:
        load_csv(path=value, label_column="y")
    assert str(refused.value).startswith(f"dataset.path={value!r}: must be a path (text)")
    assert hint in str(refused.value)
    assert "Hydra" not in str(refused.value)  # no Hydra read it


def test_other_loaders_say_it_too():
    with pytest.raises(ConfigError, match=r"2024 is a number, not text"):
        load_npz(path=2024)


def test_inside_a_hydra_job_the_config_checks_hint_is_given(monkeypatch):
    monkeypatch.setattr(paths, "_hydra_job", lambda: object())
    with pytest.raises(ConfigError) as refused:
        load_csv(path=2024, label_column="y")
    assert ("; Hydra read the value as the number 2024, not as text: quote it for Hydra, "
            "dataset.path=\"'2024'\" (the text as you typed it), or, a path, start it with ./ "
            "(dataset.path=./2024)") in str(refused.value)


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}])
def test_no_number_hint_for_what_is_no_number_slip(value):
    with pytest.raises(ConfigError) as refused:
        load_csv(path=value, label_column="y")
    assert "not text" not in str(refused.value) and "Hydra" not in str(refused.value)
