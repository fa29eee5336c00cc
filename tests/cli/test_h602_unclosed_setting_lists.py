"""mia-train release=topk 'release.k=[3' (a defense's or a release's number given as a list
left open; 'defense.dp.target_epsilon=[1,2') was told to quote it, "release.k='[3'", a text
the run then refuses ('must be an integer'), where a4c19906 names what is open for a
dataset's or a model's list. Such a key holds one number in its packaged config (topk's k),
so the refusal says the bracket is open and gives the number alone, or the sweep that runs
each (`entry._number_list_words`); a list would be refused too."""

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


def test_mia_train_names_the_open_bracket_of_a_release_number(tmp_path):
    line = mia_train_refusal("release=topk", "release.k=[3", cwd=tmp_path)
    assert line == ("ConfigError: release.k=[3: the bracket [ is not closed, so Hydra cannot "
                    "parse this override; nothing was run. release.k takes one number, not a "
                    "list (topk's is 1): give it alone: release.k=3 (the grammar: "
                    "https://hydra.cc/docs/1.3/advanced/override_grammar/basic)")


@pytest.mark.parametrize(("override", "given", "how"), [
    ("defense.dp.target_epsilon=[1,2", "defense.dp.target_epsilon=1,2",
     "give -m to run each, a sweep"),
    ("defense.mixup.alpha=[0.2", "defense.mixup.alpha=0.2", "give it alone"),
    ("release.scale=[0.1, 0.2", "release.scale=0.1,0.2", "give -m to run each, a sweep"),
])  # fmt: skip
def test_a_defense_or_release_number_left_open_is_given_as_one(override, given, how):
    said = _refused(override)
    assert said.startswith(f"ConfigError: {override}: the bracket [ is not closed"), said
    assert "takes one number, not a list" in said and f"{how}: " in said
    word = said.split(f"{how}: ", 1)[1].split(" (the grammar", 1)[0]
    assert shlex.split(word) == [given]
    assert _parser().parse_override(given) is not None


@pytest.mark.parametrize("override", ["release.k=[a", "release.k=[3,", "defense.dp.delta=[1",
                                      "train.lr=[1"])
def test_no_number_or_no_packaged_number_is_offered_quoted_as_before(override):
    said = _refused(override)
    assert "quote a value that holds brackets" in said and "is not closed" not in said
