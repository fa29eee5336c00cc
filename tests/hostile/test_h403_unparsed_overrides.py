"""h403: an override Hydra's grammar cannot read, given to the Python API (api.audit's or
observe_models' overrides=[...]), was refused in Hydra's words over three lines, a caret
under the place and a link: ' attack.bootstrap=0' (a space before it), 'attack.bootstrap =0',
'attack.bootstrap' (no value), '' ('mismatched input <EOF> expecting {EQUAL, ...}'), where
the tools say in one line what to write. Now one line names the override and the fix."""

from __future__ import annotations

import re

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


@pytest.mark.parametrize(("override", "fix"), [
    (" attack.bootstrap=0", r"a space before it or before '='; give 'attack.bootstrap=0'"),
    ("attack.bootstrap =0", r"a space before it or before '='; give 'attack.bootstrap=0'"),
    ("attack.bootstrap", r"no '=VALUE'; write KEY=VALUE"),
    ("", r"an empty override; leave it out"),
    ("attack.fprs=[0.01,0.001", r"no viable alternative at input '\[0.01,0.001'; correct it "
                                r"\(its brackets and quotes closed"),
])
def test_an_unreadable_override_is_named_in_one_line(override, fix) -> None:
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError) as caught:
        api.audit(obs, overrides=[override])
    said = str(caught.value)
    assert "\n" not in said and "LexerNoViableAltException" not in said
    assert re.search(rf"{re.escape(repr(override))}: Hydra cannot parse this override: {fix}",
                     said), said
