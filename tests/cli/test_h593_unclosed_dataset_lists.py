"""mia-train 'dataset.x=[1,2' (a list of a dataset's config left open; or a mapping,
'dataset.categories={colour: [red') was still answered "quote a value that holds brackets
...: "dataset.x='[1,2'"", a text the loader then gets, where 3795284c names what is open and
the closed override for the packaged default configs' keys (attack.fprs). A key of a group
whose config the command chooses (dataset=csv, model=cnn: not known when Hydra cannot parse
the override) is said so too, unless a packaged config of the group holds another kind of
value there (dataset.path, a text: offered quoted as before)."""

from __future__ import annotations

import shlex

import pytest
from hydra.errors import OverrideParseException

from mia_defense.cli.entry import refusal_line
from mia_defense.override_checks import _parser
from tests.helpers import refusal_line as mia_train_refusal


def _refused(override: str) -> str:
    with pytest.raises(OverrideParseException) as caught:
        _parser().parse_overrides([override])
    return refusal_line(caught.value)


def test_mia_train_names_the_open_bracket_of_a_dataset_list(tmp_path):
    line = mia_train_refusal("dataset.x=[1,2", cwd=tmp_path)
    assert line == ("ConfigError: dataset.x=[1,2: the bracket [ is not closed, so Hydra cannot "
                    "parse this override; nothing was run. A list is [a,b,...]: close it: "
                    "'dataset.x=[1,2]' (the grammar: "
                    "https://hydra.cc/docs/1.3/advanced/override_grammar/basic)")


@pytest.mark.parametrize(("override", "opened", "closed"), [
    ("dataset.drop_columns=[id,note", "bracket [", "dataset.drop_columns=[id,note]"),
    ("dataset.categories={colour: [red, green", "brace {",
     "dataset.categories={colour: [red, green]}"),
    ("dataset.categories.colour=[red", "bracket [", "dataset.categories.colour=[red]"),
    ("+dataset.sizes={a: 1", "brace {", "+dataset.sizes={a: 1}"),
    ("model.hidden=[64,32", "bracket [", "model.hidden=[64,32]"),
])  # fmt: skip
def test_a_dataset_or_model_list_or_mapping_left_open_is_offered_closed(
    override, opened, closed
):
    said = _refused(override)
    assert said.startswith(f"ConfigError: {override}: the {opened} is not closed"), said
    word = said.split("close it: ", 1)[1].split(" (the grammar", 1)[0]
    assert shlex.split(word) == [closed]
    assert _parser().parse_override(closed) is not None


@pytest.mark.parametrize("override", ["dataset.path=[x", "dataset.seed=[1,2",
                                      "dataset.label_column={a"])
def test_a_text_or_number_of_a_dataset_is_offered_quoted_as_before(override):
    said = _refused(override)
    assert "quote a value that holds brackets" in said and "is not closed" not in said
