"""A key of a config that is not selected (``defense.dp.target_epsilon=1`` without
``defense=dp``, ``release.topk.k=2``, ``dataset.path=...`` with ``dataset=digits``) got
Hydra's "Could not override ... To append to your config use +defense.dp.target_epsilon=1";
following that advice reached the clear message ("not selected: add it with defense=dp") only
on the second try, or added a key nothing reads. The first message now says which config to
select (h154)."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from hydra.errors import ConfigCompositionException

from mia_defense.config_keys import unselected_config_hint
from mia_defense.hydra_guard import guard_config_loading
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("key", "says"),
    [("defense.dp.target_epsilon", "the defense 'dp' is not selected: add it with defense=dp"),
     ("release.topk.k", "select it with release=topk, then set its keys as release.k"),
     ("model.channels", "it is a key of model=cnn: select it before setting model.channels"),
     ("dataset.path", "it is a key of one of dataset=cifar10, cifar100, csv,")],
)  # fmt: skip
def test_the_hint_names_the_config_to_select(key, says):
    assert says in unselected_config_hint(key)


@pytest.mark.parametrize(
    "key", ["plan.foo", "defense.none.x", "defense.bagging.x", "dataset.xyzzy", "train.lr"]
)
def test_keys_no_config_holds_get_no_hint(key):
    assert unselected_config_hint(key) is None


@pytest.mark.parametrize(
    ("arg", "says"),
    [("defense.dp.target_epsilon=1",
      "Could not override 'defense.dp.target_epsilon' (Key 'dp' is not in struct): the defense "
      "'dp' is not selected: add it with defense=dp (or 'defense=[dp,...]') before setting "
      "defense.dp.*"),
     ("release.topk.k=2", "'topk' is a config of conf/release/, not a key of release: select "
      "it with release=topk, then set its keys as release.k"),
     ("dataset.path=2024.csv", "the selected dataset config has no key 'path'")],
)  # fmt: skip
def test_mia_train_says_which_config_to_select_at_once(tmp_path, arg, says):
    done = mia_train(arg, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr
    assert "To append" not in done.stderr


def test_compose_says_it_too_and_other_keys_keep_hydras_words():
    guard_config_loading()
    with initialize_config_module("mia_defense.conf", version_base=None):
        with pytest.raises(ConfigCompositionException, match=r"defense=dp \(or"):
            compose("config", overrides=["defense=dropout", "defense.dp.noise_multiplier=1"])
        with pytest.raises(ConfigCompositionException, match="To append to your config"):
            compose("config", overrides=["foo=1"])  # (a top-level key: Hydra's words)
