"""A sweep function whose parenthesis is not closed (``mia-train 'train.lr=interval(0.1'``)
was answered with the value in Hydra's quotes to paste ("train.lr='interval(0.1'"): that
sets train.lr to the text, which mia-train then refused as 'must be a finite number > 0'.
The user meant the function: the refusal says its parenthesis is open and what it takes,
and offers the closed override only where Hydra reads it (a sweep: with -m)."""

import shlex

import pytest
from hydra.errors import OverrideParseException

from mia_defense.cli.entry import refusal_line
from mia_defense.override_checks import _parser


def _refused(override: str) -> str:
    with pytest.raises(OverrideParseException) as caught:
        _parser().parse_overrides([override])
    return refusal_line(caught.value)


@pytest.mark.parametrize("override", ["train.lr=interval(0.1", "train.lr=interval(0.1,",
                                      "train.lr=interval( 0.1"])
def test_an_interval_left_open_names_its_bounds_not_a_quoted_text(override):
    said = _refused(override)
    assert said.startswith(f"ConfigError: {override}: the parenthesis of interval( is not "
                           "closed")
    assert "interval(low,high) takes two numbers" in said
    assert "'interval(" not in said  # (the text in Hydra's quotes: refused by the run)
    assert "nothing was run" in said


@pytest.mark.parametrize(("override", "closed"), [
    ("train.lr=choice(0.1,0.2", "train.lr=choice(0.1,0.2)"),
    ("seed=range(1,3", "seed=range(1,3)"),
    ("train.lr=interval(0.1,1", "train.lr=interval(0.1,1)"),
    ("seed=tag(a,choice(1,2)", "seed=tag(a,choice(1,2))"),
    ("dataset.x_key=choice('a(b',c", "dataset.x_key=choice('a(b',c)"),
])
def test_a_sweep_left_open_is_offered_closed_and_the_offer_parses(override, closed):
    said = _refused(override)
    assert "and give -m" in said
    word = said.split(" to run the sweep: ", 1)[1].split(" (the grammar", 1)[0]
    assert shlex.split(word) == [closed]
    assert _parser().parse_override(closed).is_sweep_override()


def test_a_cast_left_open_is_offered_closed_without_multirun():
    said = _refused("seed=int(3")
    assert "close it: seed=int(3)" not in said  # (the shell reads a bare parenthesis)
    assert "close it: 'seed=int(3)' (the grammar" in said


def test_a_value_that_is_no_function_is_still_offered_quoted():
    said = _refused("dataset.path=a b(")
    assert """in Hydra's quotes inside the shell's: "dataset.path='a b('\"""" in said


@pytest.mark.parametrize(("override", "closed"), [
    ("attack.fprs=[0.1,0.01", "attack.fprs=[0.1,0.01]"),
    ("defense.dp={noise_multiplier: 1", "defense.dp={noise_multiplier: 1}"),
    ("attack.fprs=[0.1,[0.01", "attack.fprs=[0.1,[0.01]]"),
])
def test_a_list_or_mapping_left_open_is_offered_closed(override, closed):
    """Offered in Hydra's quotes before: "attack.fprs='[0.1,0.01'", a text, refused."""
    said = _refused(override)
    assert "is not closed" in said and f"'{override.partition('=')[2]}'" not in said
    word = said.split("close it: ", 1)[1].split(" (the grammar", 1)[0]
    assert shlex.split(word) == [closed]
    assert _parser().parse_override(closed) is not None


@pytest.mark.parametrize("override", ["dataset.path=/data/[x", "attack.fprs=[0.1)"])
def test_a_bracket_inside_a_text_or_one_closed_wrongly_is_offered_as_before(override):
    said = _refused(override)
    assert "quote a value that holds brackets" in said and "is not closed" not in said


def test_a_list_left_open_for_a_number_is_offered_quoted_as_before():
    said = _refused("train.lr=[1,2")
    assert said.startswith("ConfigError: train.lr=[1,2: Hydra cannot parse this override")
