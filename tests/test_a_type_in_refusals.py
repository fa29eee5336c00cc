"""A refusal names what it was given as English does ("is an int", "is None"), through one
helper, `errors.a_type`: the API's type refusals had said "is a int" and "is a NoneType"."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError, a_type


@pytest.mark.parametrize(("value", "said"), [
    (1, "an int"), ("x", "a str"), (None, "None"), ([], "a list"), (object(), "an object"),
])  # fmt: skip
def test_a_type_reads_as_english(value, said) -> None:
    assert a_type(value) == said


def test_observe_models_names_a_plan_that_is_an_int() -> None:
    with pytest.raises(ConfigError, match=r"observe_models: plan is an int, not a "):
        api.observe_models([], [[0.0]], [0], plan=1)
