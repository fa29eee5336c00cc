"""h387: a misspelt keyword argument of the Python API's functions was Python 3.10-3.12's
bare "make_plan() got an unexpected keyword argument 'num_model'", naming no keyword it
takes; each now says the one it most likely misspells, as Python 3.13 does."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mia_defense import api


@pytest.mark.parametrize(
    ("call", "given", "meant"),
    [
        (lambda **kw: api.make_plan(np.zeros((8, 2)), np.arange(8) % 2, **kw), "num_model",
         "num_models"),
        (lambda **kw: api.observe_models([], None, None, None, **kw), "num_augment",
         "num_augmented"),
        (lambda **kw: api.audit(None, **kw), "overide", "overrides"),
        (lambda **kw: api.run_audit(None, None, defended=False, **kw), "is_canaries",
         "is_canary"),
        (lambda **kw: api.observations_from_arrays(None, None, None, **kw), "test_output",
         "test_outputs"),
        (lambda **kw: api.load_observations(**kw), "pth", "path"),
        (lambda **kw: api.released_utility(**kw), "ob", "obs"),
        (lambda **kw: api.observed_settings(None, **kw), "is_canry", "is_canary"),
    ],
)
def test_a_misspelt_keyword_names_the_one_meant(call, given: str, meant: str) -> None:
    with pytest.raises(TypeError, match=re.escape(
            f"got an unexpected keyword argument {given!r}. Did you mean {meant!r}?")):
        call(**{given: None})


def test_a_keyword_far_from_any_lists_those_taken() -> None:
    with pytest.raises(TypeError, match=r"audit\(\) got an unexpected keyword argument "
                       r"'verbose' \(it takes observations, overrides, seed, is_canary, "
                       r"copy_groups\)"):
        api.audit(None, verbose=True)


def test_the_right_keywords_still_reach_the_function() -> None:
    plan = api.make_plan(np.arange(16, dtype=np.float32).reshape(8, 2), np.arange(8) % 2,
                         num_models=2, population_size=4, seed=3)  # fmt: skip
    assert plan.masks.shape == (2, 4)
