"""An Optuna search choosing a config group and a key under it that one option lacks
(``model: choice(mlp, logistic)`` with ``model.dropout: choice(0.0, 0.1)``: logistic has no
dropout) was refused naming the first value ('the choice draws 0.0 with model=logistic')
and 'Keep its values within it', though every value is refused there. It now says the key is
no key of that option, and to drop the option or the key."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _params
from tests.hostile.test_h460_search_values_the_run_refuses import _check_in_hydra


@pytest.mark.parametrize(("overrides", "swept", "said"), [
    (_params('model: "choice(mlp, logistic)", model.dropout: "choice(0.0, 0.1)"'), (),
     "hydra.sweeper.params: model.dropout: choice(0.0, 0.1): model.dropout is no key of "
     "model=logistic (the run's config check: "),
    (["hparams_search=optuna_custom"], ("model=choice(mlp,logistic)",
                                        "model.dropout=choice(0.2,0.4)"),
     "model.dropout=choice(0.2,0.4): model.dropout is no key of model=logistic"),
])  # fmt: skip
def test_a_key_an_option_lacks_is_said_so(caplog, overrides, swept, said) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check_in_hydra(*overrides, swept=swept)
    assert exc.value.code == 2
    assert said in caplog.text
    assert "each trial drawing model=logistic would be refused" in caplog.text
    assert "Drop logistic from the choice of model, or " in caplog.text
    assert "Keep its values within it" not in caplog.text
    assert " draws 0." not in caplog.text
