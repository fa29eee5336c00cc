"""A file named only with digits (``dataset.path=2024``) is read by Hydra as the number 2024
and was refused as 'must be a string or null' with no word of why it was not one. The refusal
of a number where text belongs now says Hydra read it as a number and how to keep it text:
quoted for Hydra, or, a path, starting with ./ (h154)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("overrides", "said", "hint"), [
    (["dataset=csv", "dataset.path=2024", "dataset.label_column=y"],
     "dataset.path=2024: must be a string or null",
     "; Hydra read the value as the number 2024, not as text: quote it for Hydra, "
     "dataset.path=\"'2024'\" (the text as you typed it), or, a path, start it with ./ "
     "(dataset.path=./2024)"),
    (["dataset=npz", "dataset.path=true"], "dataset.path=true: must be a string or null",
     "Hydra read the value as true or false, not as text"),
    (["cache_dir=2024"], "cache_dir=2024: must be a path, or null or false (off)",
     "quote it for Hydra, cache_dir=\"'2024'\""),
])  # fmt: skip
def test_a_number_where_a_path_belongs_is_said_to_be_read_as_one(make_cfg, overrides, said, hint):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(*overrides))
    assert said in str(refused.value)
    assert hint in str(refused.value)


@pytest.mark.parametrize("value", ["'2024'", "./2024"])  # (the shell's quotes taken off)
def test_the_forms_the_hint_gives_compose_as_text(make_cfg, value):
    assert make_cfg("dataset=csv", f"dataset.path={value}").dataset.path in ("2024", "./2024")


def test_a_word_where_a_number_belongs_gets_no_such_hint(make_cfg):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg("train.epochs=abc"))
    assert "Hydra read the value" not in str(refused.value)
