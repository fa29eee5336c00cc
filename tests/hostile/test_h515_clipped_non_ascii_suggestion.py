"""The refusal of a value beyond ASCII outside quotes suggests the quoted override
(`override_checks.unquoted_non_ascii`); that suggestion was said whole: mia-train
"train.lr=$(printf 'é%.0s' {1..1500})" printed a refusal of 1,700-odd characters, the value
cut where it was quoted as typed but whole in the command suggested. The suggestion is now cut
by `constraints.clipped` (its length said where cut), as every refusal cuts an override;
a short one reads whole, as before. (h516: a cut command could not be copied; a long one is
now said in words: test_h516_long_suggestion_in_words.py.)"""

from __future__ import annotations

from mia_defense.override_checks import unquoted_non_ascii


def test_a_short_suggestion_is_said_whole():
    said = unquoted_non_ascii(["dataset.path=/data/café.csv"])
    assert said is not None
    assert said.endswith("quote the value for Hydra: \"dataset.path='/data/café.csv'\" in a shell")
    said = unquoted_non_ascii(["dataset.path=/data/café.csv"], shell=False)
    assert said is not None
    assert said.endswith("quote the value for Hydra: dataset.path='/data/café.csv'")
