"""A number given as a string (quoted, or from an environment variable: ``${oc.env:NAME,3}``
always gives one) is refused saying why it is a string and how to read it as a number: the
refusal 'seed='3': must be an integer >= 0' did not (helper h97)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError

HINT = ("; it is the string '{}', as quotes or an environment variable give it "
        "(${{oc.env:NAME}} always gives a string): drop the quotes, or read the variable as a "
        "value with ${{oc.decode:${{oc.env:NAME}}}}")  # fmt: skip


@pytest.mark.parametrize(("overrides", "said", "value"), [
    (["seed=${oc.env:H97_UNSET_VARIABLE,3}"], "seed='3': must be an integer >= 0", "3"),
    (["train.lr='0.01'"], "train.lr='0.01': must be a finite number > 0", "0.01"),
    (["release=topk", "release.k=${oc.env:H97_UNSET_VARIABLE,2}"],
     "release.k='2': must be an integer (mia_defense.defenses.TopKRelease takes k: int)", "2"),
    (["defense=dp", "defense.dp.secure_mode=${oc.env:H97_UNSET_VARIABLE,false}"],
     "defense.dp.secure_mode='False': must be true or false", "False"),
])  # fmt: skip
def test_a_number_given_as_a_string_is_said_to_be_one(make_cfg, overrides, said, value):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(*overrides))
    message = str(refused.value)
    assert said in message
    assert HINT.format(value) in message


def test_a_word_where_a_number_belongs_gets_no_such_hint(make_cfg):
    with pytest.raises(ConfigError, match=r"train.epochs='abc': must be an integer >= 1$"):
        check_config(make_cfg("train.epochs=abc"))


def test_the_decoded_variable_is_accepted(make_cfg, monkeypatch):
    monkeypatch.setenv("H97_SEED", "5")
    cfg = make_cfg("seed='${oc.decode:${oc.env:H97_SEED,3}}'")  # quoted for Hydra's grammar
    check_config(cfg)
    assert cfg.seed == 5
